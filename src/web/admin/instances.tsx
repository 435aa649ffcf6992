/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import { InstancePage, InstancesPage } from "../../../views/admin/instances.tsx";
import { deliveryQueue } from "../../core/delivery.ts";
import { CoreError } from "../../core/errors.ts";
import {
  failingHostCount,
  findInstance,
  instanceAccounts,
  instanceFilters,
  instanceInboxes,
  instanceReports,
  listInstances,
} from "../../core/instances.ts";
import { roleRank } from "../../core/moderation.ts";
import { optionalOneOf } from "../../schemas.ts";

/** A path segment as written, percent escapes undone; "" when an escape is broken. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

/** Other servers: the list with the delivery queue, and one server's accounts, reports, delivery and block. */
export function instancesRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;

  return new Elysia({ name: "admin/instances" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/instances",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        const q = (query.q ?? "").trim();
        const filter = query.filter ?? "all";
        const { rows, next } = listInstances(db, { q, filter, after: query.after });
        return (
          <InstancesPage
            ctx={ctx}
            rows={rows}
            q={q}
            filter={filter}
            next={next}
            queue={deliveryQueue(db)}
            failingHosts={failingHostCount(db)}
          />
        );
      },
      {
        query: t.Object({
          q: t.Optional(t.String({ maxLength: 200 })),
          filter: optionalOneOf(instanceFilters),
          after: t.Optional(t.String({ maxLength: 300 })),
        }),
      },
    )
    .get(
      "/admin/instances/:domain",
      ({ viewer, ctx, params, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        // The domain may carry a port (127.0.0.1:8443), written as is or URL-encoded.
        const domain = decoded(params.domain).toLowerCase();
        const instance = domain ? findInstance(db, domain) : undefined;
        if (!instance) throw new CoreError("This instance knows nothing about that server.", 404);
        const accounts = instanceAccounts(db, domain).map((a) => ({
          id: a.id,
          acct: `${a.username}@${a.domain}`,
          flags: [a.suspendedAt ? "suspended" : "", a.silencedAt ? "limited" : "", a.sensitizedAt ? "sensitive" : ""]
            .filter(Boolean)
            .join(", "),
        }));
        const reports = instanceReports(db, domain).map((r) => ({ report: r.report, acct: `${r.username}@${domain}` }));
        return (
          <InstancePage
            ctx={ctx}
            detail={{
              instance,
              accounts,
              reports,
              inboxes: instanceInboxes(db, domain),
              queue: deliveryQueue(db, domain),
              canBlock: roleRank[viewer.user.role] >= roleRank.admin,
            }}
          />
        );
      },
      { params: t.Object({ domain: t.String({ maxLength: 300 }) }) },
    );
}
