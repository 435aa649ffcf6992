/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import {
  AdminAnnouncementsPage,
  type AnnouncementFormValues,
  announcementFormValues,
  EditAnnouncementPage,
} from "../../../views/admin/announcements.tsx";
import {
  allAnnouncements,
  announcementView,
  deleteAnnouncement,
  publishAnnouncement,
  saveAnnouncement,
  unpublishAnnouncement,
} from "../../core/announcements.ts";
import { CoreError, ValidationError } from "../../core/errors.ts";

const announcementId = t.Object({ id: t.String({ maxLength: 64 }) });
const csrfOnly = t.Optional(t.Object({ _csrf: t.Optional(t.String()) }));
const form = t.Object({
  _csrf: t.Optional(t.String()),
  // Longer than the core allows, so that the message appears next to the field.
  text: t.String({ maxLength: 20_000 }),
  starts_at: t.Optional(t.String({ maxLength: 40 })),
  ends_at: t.Optional(t.String({ maxLength: 40 })),
  starts_offset: t.Optional(t.String({ maxLength: 6 })),
  ends_offset: t.Optional(t.String({ maxLength: 6 })),
  all_day: t.Optional(t.String({ maxLength: 5 })),
  publish: t.Optional(t.String({ maxLength: 5 })),
});

const valuesOf = (body: typeof form.static): AnnouncementFormValues => ({
  text: body.text,
  starts_at: body.starts_at ?? "",
  ends_at: body.ends_at ?? "",
  starts_offset: body.starts_offset ?? "0",
  ends_offset: body.ends_offset ?? "0",
  all_day: body.all_day === "1",
  publish: body.publish === "1",
});

const inputOf = (v: AnnouncementFormValues) => ({
  text: v.text,
  startsAt: v.starts_at,
  endsAt: v.ends_at,
  startsOffset: Number(v.starts_offset),
  endsOffset: Number(v.ends_offset),
  allDay: v.all_day,
  publish: v.publish,
});

/** The staff's announcements to the members (admins write them; every change is audited). */
export function announcementAdminRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const back = "/admin/announcements";

  return new Elysia({ name: "admin/announcements" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin/announcements", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return <AdminAnnouncementsPage ctx={ctx} items={allAnnouncements(db, baseUrl)} />;
    })
    .post(
      "/admin/announcements",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const values = valuesOf(body);
        try {
          saveAnnouncement(deps, staff.account.id, undefined, inputOf(values));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <AdminAnnouncementsPage ctx={ctx} items={allAnnouncements(db, baseUrl)} values={values} errors={error.fields} />;
        }
        return redirect(back, 303);
      },
      { body: form },
    )
    .get(
      "/admin/announcements/:id",
      ({ viewer, ctx, params, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "admin", path);
        const values = announcementFormValues(announcementView(db, baseUrl, params.id));
        return <EditAnnouncementPage ctx={ctx} id={params.id} values={values} />;
      },
      { params: announcementId },
    )
    .post(
      "/admin/announcements/:id",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const values = valuesOf(body);
        try {
          saveAnnouncement(deps, staff.account.id, params.id, inputOf(values));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <EditAnnouncementPage ctx={ctx} id={params.id} values={values} errors={error.fields} />;
        }
        return redirect(back, 303);
      },
      { params: announcementId, body: form },
    )
    .post(
      "/admin/announcements/:id/publish",
      ({ viewer, ctx, params, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          publishAnnouncement(deps, staff.account.id, params.id);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status !== 422) throw error;
          set.status = 422;
          return <AdminAnnouncementsPage ctx={ctx} items={allAnnouncements(db, baseUrl)} message={error.message} />;
        }
        return redirect(back, 303);
      },
      { params: announcementId, body: csrfOnly },
    )
    .post(
      "/admin/announcements/:id/unpublish",
      ({ viewer, params, redirect, path }) => {
        unpublishAnnouncement(deps, requireRole(viewer, "admin", path).account.id, params.id);
        return redirect(back, 303);
      },
      { params: announcementId, body: csrfOnly },
    )
    .post(
      "/admin/announcements/:id/delete",
      ({ viewer, params, redirect, path }) => {
        deleteAnnouncement(deps, requireRole(viewer, "admin", path).account.id, params.id);
        return redirect(back, 303);
      },
      { params: announcementId, body: csrfOnly },
    );
}
