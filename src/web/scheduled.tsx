/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { ScheduledPage } from "../../views/scheduled.tsx";
import { ValidationError } from "../core/errors.ts";
import { cancelScheduled, reschedule, scheduledByTime, scheduledMedia } from "../core/scheduled-posts.ts";
import { parseLocalTime } from "../core/times.ts";
import type { PageContext } from "../../views/context.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const id = t.Object({ id: t.String({ maxLength: 64 }) });

/** A member's scheduled posts (written from the compose box's "Schedule for later"). */
export function scheduledRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const render = (
    ctx: PageContext,
    accountId: string,
    extra: Omit<Parameters<typeof ScheduledPage>[0], "ctx" | "items"> = {},
  ) => {
    const rows = scheduledByTime(db, accountId);
    const media = scheduledMedia(db, rows);
    return <ScheduledPage ctx={ctx} items={rows.map((post) => ({ post, media: media.get(post.id) ?? [] }))} {...extra} />;
  };
  return new Elysia({ name: "scheduled" })
    .use(page)
    .get("/scheduled", ({ ctx, viewer, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      return render(ctx, viewer.account.id);
    })
    .post(
      "/scheduled/:id/time",
      ({ ctx, viewer, params, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/scheduled"), 303);
        const at = parseLocalTime(body.scheduled_at, Number(body.utc_offset ?? 0));
        try {
          reschedule(db, viewer.account.id, params.id, at);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const value = { scheduled_at: body.scheduled_at, utc_offset: body.utc_offset ?? "0" };
          return render(ctx, viewer.account.id, {
            errors: { [params.id]: error.fields.scheduled_at ?? error.message },
            values: { [params.id]: value },
          });
        }
        return redirect("/scheduled", 303);
      },
      {
        params: id,
        body: t.Object({
          _csrf: t.Optional(t.String()),
          scheduled_at: t.String({ maxLength: 40 }),
          utc_offset: t.Optional(t.String({ maxLength: 6 })),
        }),
      },
    )
    .post(
      "/scheduled/:id/delete",
      ({ viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst("/scheduled"), 303);
        cancelScheduled(db, viewer.account.id, params.id);
        return redirect("/scheduled", 303);
      },
      { params: id, body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );
}
