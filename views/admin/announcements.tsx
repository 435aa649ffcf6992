/** @jsxImportSource @kitajs/html */
import { type AnnouncementView, MAX_ANNOUNCEMENT_LENGTH } from "../../src/core/announcements.ts";
import { AnnouncementBody } from "../announcements.tsx";
import type { PageContext } from "../context.ts";
import { Check, CsrfField, Field, FormMessage, LocalTimeInput, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

/**
 * The form's values: times as the `datetime-local` inputs give them, with each one's offset from
 * UTC in minutes (the page's script sets it; "0" without it). A stored announcement's times come
 * as `stored`, for the script to write in the admin's zone.
 */
export interface AnnouncementFormValues {
  text: string;
  starts_at: string;
  ends_at: string;
  starts_offset: string;
  ends_offset: string;
  all_day: boolean;
  publish: boolean;
  stored?: { startsAt: Date | null; endsAt: Date | null };
}

export const emptyAnnouncement: AnnouncementFormValues = {
  text: "",
  starts_at: "",
  ends_at: "",
  starts_offset: "0",
  ends_offset: "0",
  all_day: false,
  publish: true,
};

export function announcementFormValues(a: AnnouncementView): AnnouncementFormValues {
  return {
    ...emptyAnnouncement,
    text: a.text,
    all_day: a.allDay,
    publish: a.publishedAt !== null,
    stored: { startsAt: a.startsAt, endsAt: a.endsAt },
  };
}

/** A stored time for the input: an all-day one's day as it is (days are not moved between zones). */
function TimeField(props: {
  name: "starts_at" | "ends_at";
  label: string;
  hint: string;
  values: AnnouncementFormValues;
  error?: string;
}) {
  const { name, values } = props;
  const stored = values.stored?.[name === "starts_at" ? "startsAt" : "endsAt"];
  const offsetName = name === "starts_at" ? "starts_offset" : "ends_offset";
  return (
    <LocalTimeInput
      id={name}
      name={name}
      offsetName={offsetName}
      label={props.label}
      hint={props.hint}
      error={props.error}
      value={values.stored ? (stored && values.all_day ? stored.toISOString().slice(0, 16) : undefined) : values[name]}
      utc={stored && !values.all_day ? stored : undefined}
      offset={values[offsetName]}
    />
  );
}

const stateLabels = { draft: "draft: members do not see it", published: "published", ended: "ended" } as const;

function AnnouncementForm({
  ctx,
  action,
  values,
  errors,
  submit,
}: {
  ctx: PageContext;
  action: string;
  values: AnnouncementFormValues;
  errors: Record<string, string>;
  submit: string;
}) {
  return (
    <form method="post" action={action} class="card" novalidate>
      <CsrfField ctx={ctx} />
      <Field
        name="text"
        label="What to tell the members"
        multiline
        rows={5}
        maxlength={MAX_ANNOUNCEMENT_LENGTH}
        value={values.text}
        hint="Plain text: links, @mentions, #hashtags and the instance's :emoji: work."
        error={errors.text}
      />
      <div class="field-row">
        <TimeField
          name="starts_at"
          label="Starts (optional)"
          hint="When what you announce begins."
          values={values}
          error={errors.starts_at}
        />
        <TimeField
          name="ends_at"
          label="Ends (optional)"
          hint="The announcement stops showing then."
          values={values}
          error={errors.ends_at}
        />
      </div>
      <Check
        name="all_day"
        label="All day"
        checked={values.all_day}
        hint="Show the dates without times; it ends with its last day. The days count as typed, in any time zone."
      />
      <Check
        name="publish"
        label="Published"
        checked={values.publish}
        hint="Members see it on their home page and in their apps. Untick to keep it as a draft."
      />
      <button type="submit" safe>
        {submit}
      </button>
    </form>
  );
}

/** The staff's announcements: write one, see them all with their reactions, publish, unpublish, edit, delete. */
export function AdminAnnouncementsPage({
  ctx,
  items,
  values = emptyAnnouncement,
  errors = {},
  message,
}: {
  ctx: PageContext;
  items: AnnouncementView[];
  values?: AnnouncementFormValues;
  errors?: Record<string, string>;
  message?: string;
}) {
  return (
    <Layout title="Announcements" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <FormMessage message={message} />
      <h2>New announcement</h2>
      <AnnouncementForm ctx={ctx} action="/admin/announcements" values={values} errors={errors} submit="Save" />
      <section aria-labelledby="announcements-title">
        <h2 id="announcements-title">All announcements</h2>
        {items.length === 0 ? <p class="muted">None yet.</p> : ""}
        {items.map((a) => (
          <AdminAnnouncement ctx={ctx} announcement={a} />
        ))}
      </section>
    </Layout>
  );
}

function AdminAnnouncement({ ctx, announcement: a }: { ctx: PageContext; announcement: AnnouncementView }) {
  const base = `/admin/announcements/${a.id}`;
  const reactions = a.reactions.map((r) => `${r.emoji ? `:${r.name}:` : r.name} ${r.count}`).join("  ");
  return (
    <article class="card announcement">
      <p>
        <span class={a.state === "published" ? "tag-label" : "tag-label muted"}>{stateLabels[a.state]}</span>
      </p>
      <AnnouncementBody announcement={a} />
      {reactions ? (
        <p class="muted" safe>
          {`Reactions: ${reactions}`}
        </p>
      ) : (
        ""
      )}
      <div class="actions">
        <a class="button secondary" href={base}>
          Edit
        </a>
        {a.state === "published" ? (
          <PostButton ctx={ctx} action={`${base}/unpublish`} label="Unpublish" kind="secondary" />
        ) : a.state === "draft" ? (
          <PostButton ctx={ctx} action={`${base}/publish`} label="Publish" kind="secondary" />
        ) : (
          ""
        )}
        <PostButton
          ctx={ctx}
          action={`${base}/delete`}
          label="Delete"
          kind="danger"
          confirm="Delete this announcement for good?"
        />
      </div>
    </article>
  );
}

export function EditAnnouncementPage({
  ctx,
  id,
  values,
  errors = {},
}: {
  ctx: PageContext;
  id: string;
  values: AnnouncementFormValues;
  errors?: Record<string, string>;
}) {
  return (
    <Layout title="Edit announcement" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <h2>Edit announcement</h2>
      <p>
        <a href="/admin/announcements">Back to all announcements</a>
      </p>
      <AnnouncementForm ctx={ctx} action={`/admin/announcements/${id}`} values={values} errors={errors} submit="Save" />
    </Layout>
  );
}
