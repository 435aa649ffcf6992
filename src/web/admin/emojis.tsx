/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import { EmojisPage, type EmojiFormValues } from "../../../views/admin/emojis.tsx";
import { localEmojiViews, searchRemoteEmojis } from "../../core/custom-emojis.ts";
import { ValidationError } from "../../core/errors.ts";
import { addLocalEmoji, copyRemoteEmoji, removeLocalEmoji, updateLocalEmoji } from "../../core/local-emojis.ts";

const emojiId = t.Object({ id: t.String({ maxLength: 64 }) });
const csrfOnly = t.Optional(t.Object({ _csrf: t.Optional(t.String()) }));

/** The instance's custom emoji: admins add, categorise, hide from the picker and delete them. */
export function emojiRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const render = (
    ctx: Parameters<typeof EmojisPage>[0]["ctx"],
    extra: { errors?: Record<string, string>; values?: EmojiFormValues; query?: string } = {},
  ) => {
    const emojis = localEmojiViews(db);
    const taken = new Set(emojis.map((e) => e.shortcode.toLowerCase()));
    const remote = searchRemoteEmojis(db, extra.query ?? "").map((e) => ({ ...e, taken: taken.has(e.shortcode.toLowerCase()) }));
    return <EmojisPage ctx={ctx} emojis={emojis} remote={remote} {...extra} />;
  };
  const back = "/admin/emojis";

  return new Elysia({ name: "admin/emojis" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/emojis",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "admin", path);
        return render(ctx, { query: query.q });
      },
      { query: t.Object({ q: t.Optional(t.String({ maxLength: 100 })) }) },
    )
    .post(
      "/admin/emojis/copy/:id",
      async ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          await copyRemoteEmoji(deps, staff.account.id, params.id);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return render(ctx, { errors: error.fields, query: body.q });
        }
        return redirect(back, 303);
      },
      { params: emojiId, body: t.Object({ _csrf: t.Optional(t.String()), q: t.Optional(t.String({ maxLength: 100 })) }) },
    )
    .post(
      "/admin/emojis",
      async ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const values = { shortcode: body.shortcode, category: body.category ?? "" };
        try {
          const bytes = body.image ? new Uint8Array(await body.image.arrayBuffer()) : new Uint8Array();
          await addLocalEmoji(deps, staff.account.id, { ...values, bytes });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return render(ctx, { errors: error.fields, values });
        }
        return redirect(back, 303);
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          // Longer than the core allows, so that the message appears next to the field.
          shortcode: t.String({ maxLength: 200 }),
          category: t.Optional(t.String({ maxLength: 200 })),
          image: t.Optional(t.File()),
        }),
      },
    )
    .post(
      "/admin/emojis/:id/category",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          updateLocalEmoji(db, staff.account.id, params.id, { category: body.category ?? "" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          // Shown under that emoji's field, not the add form's.
          return render(ctx, { errors: { [`category-${params.id}`]: error.fields.category ?? error.message } });
        }
        return redirect(back, 303);
      },
      { params: emojiId, body: t.Object({ _csrf: t.Optional(t.String()), category: t.Optional(t.String({ maxLength: 200 })) }) },
    )
    .post(
      "/admin/emojis/:id/show",
      ({ viewer, params, redirect, path }) => {
        updateLocalEmoji(db, requireRole(viewer, "admin", path).account.id, params.id, { visibleInPicker: true });
        return redirect(back, 303);
      },
      { params: emojiId, body: csrfOnly },
    )
    .post(
      "/admin/emojis/:id/hide",
      ({ viewer, params, redirect, path }) => {
        updateLocalEmoji(db, requireRole(viewer, "admin", path).account.id, params.id, { visibleInPicker: false });
        return redirect(back, 303);
      },
      { params: emojiId, body: csrfOnly },
    )
    .post(
      "/admin/emojis/:id/delete",
      async ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        await removeLocalEmoji(deps, staff.account.id, params.id);
        return redirect(back, 303);
      },
      { params: emojiId, body: csrfOnly },
    );
}
