import { getLogger } from "@logtape/logtape";
import { CoreError } from "../../core/errors.ts";
import { roleRank } from "../../core/moderation.ts";
import type { Viewer } from "../../core/sessions.ts";
import type { Role } from "../../db/schema.ts";

const logger = getLogger(["skein", "admin"]);

/** Every admin route checks the role on the server; a refused attempt is logged. */
export function requireRole(viewer: Viewer | null, role: Role, path: string): Viewer {
  if (!viewer) {
    // GET pages send visitors to the login page before calling this; a form posted without a session lands here.
    logger.warning("A visitor without a session was refused {path}", { path });
    throw new CoreError("Log in first.", 403);
  }
  if (roleRank[viewer.user.role] < roleRank[role]) {
    logger.warning("@{username} ({role}) was refused {path}", {
      username: viewer.account.username,
      role: viewer.user.role,
      path,
    });
    throw new CoreError(
      roleRank[viewer.user.role] >= roleRank.moderator
        ? "Only the instance's admins may do this."
        : "This page is for the instance's staff.",
      403,
    );
  }
  return viewer;
}

/**
 * Runs before a request's fields are validated, so that someone who is not staff gets 403 (and
 * is logged) even for a malformed form. Each route then checks the exact role it needs.
 */
export function staffGate({ viewer, path, request }: { viewer: Viewer | null; path: string; request: Request }): void {
  if (viewer || request.method !== "GET") requireRole(viewer, "moderator", path);
}
