/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { AnnouncementsPage } from "../../views/announcements.tsx";
import { activeAnnouncements, addReaction, dismissAnnouncement, removeReaction } from "../core/announcements.ts";
import { CoreError } from "../core/errors.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { back, loginFirst } from "./redirects.ts";

const id = t.Object({ id: t.String({ maxLength: 64 }) });

/** The members' side of the staff's announcements: all of them, dismissing, reacting. */
export function announcementRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "announcements" })
    .use(page)
    .get("/announcements", ({ ctx, viewer, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      return <AnnouncementsPage ctx={ctx} items={activeAnnouncements(db, baseUrl, viewer.account.id)} />;
    })
    .post(
      "/announcements/:id/dismiss",
      ({ viewer, params, request, redirect }) => {
        if (!viewer) throw new CoreError("Log in first.", 403);
        dismissAnnouncement(db, viewer.account.id, params.id);
        return redirect(back(request, "/"), 303);
      },
      { params: id, body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    )
    .post(
      "/announcements/:id/reactions",
      ({ ctx, viewer, params, body, request, redirect, set }) => {
        if (!viewer) throw new CoreError("Log in first.", 403);
        try {
          if (body.undo === "1") removeReaction(deps, viewer.account.id, params.id, body.name);
          else addReaction(deps, viewer.account.id, params.id, body.name);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status !== 422) throw error;
          set.status = 422;
          const items = activeAnnouncements(db, baseUrl, viewer.account.id);
          return <AnnouncementsPage ctx={ctx} items={items} error={error.message} />;
        }
        return redirect(back(request, "/announcements"), 303);
      },
      {
        params: id,
        body: t.Object({
          _csrf: t.Optional(t.String()),
          name: t.String({ maxLength: 100 }),
          undo: t.Optional(t.String({ maxLength: 5 })),
        }),
      },
    );
}
