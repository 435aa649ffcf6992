/** @jsxImportSource @kitajs/html */
import type { AnnouncementView, ReactionView } from "../src/core/announcements.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { dayDate, WithTimes } from "./time.tsx";

/** Offered to react with, besides the instance's own emoji (Mastodon's web app offers any). */
const QUICK_REACTIONS = ["👍", "❤️", "🎉", "😂", "😮", "😢"];

/** "From … to …" of what is announced: dates alone when all day. */
export function announcementWhen(a: Pick<AnnouncementView, "startsAt" | "endsAt" | "allDay">): (string | Date)[] {
  // A whole day is the same day everywhere; a time is shown in the reader's zone.
  const show = (d: Date) => (a.allDay ? dayDate(d) : d);
  if (a.startsAt && a.endsAt) return [show(a.startsAt), " to ", show(a.endsAt)];
  if (a.startsAt) return ["From ", show(a.startsAt)];
  if (a.endsAt) return ["Until ", show(a.endsAt)];
  return [];
}

/** The announcement's text and dates, as members and staff both see it. */
export function AnnouncementBody({ announcement: a }: { announcement: AnnouncementView }) {
  const safeHtml = a.html; // made by core from escaped text (renderText, withEmojis)
  const when = announcementWhen(a);
  return (
    <>
      {when.length > 0 ? (
        <p class="announcement-when">
          <WithTimes parts={when} />
        </p>
      ) : (
        ""
      )}
      <div class="content">{safeHtml}</div>
    </>
  );
}

function ReactionLabel({ reaction }: { reaction: Pick<ReactionView, "name" | "emoji"> }) {
  return reaction.emoji ? (
    <img class="emoji" src={reaction.emoji.url} alt={`:${reaction.name}:`} width="20" height="20" />
  ) : (
    <span safe>{reaction.name}</span>
  );
}

/** One reaction's button: pressed when the viewer reacted so; pressing again takes it back. */
function ReactionButton({ ctx, id, reaction }: { ctx: PageContext; id: string; reaction: ReactionView }) {
  return (
    <form method="post" action={`/announcements/${id}/reactions`}>
      <CsrfField ctx={ctx} />
      <input type="hidden" name="name" value={reaction.name} />
      {reaction.me ? <input type="hidden" name="undo" value="1" /> : ""}
      <button
        type="submit"
        class="reaction"
        aria-pressed={reaction.me ? "true" : "false"}
        title={reaction.me ? "Take back your reaction" : "React so too"}
      >
        <ReactionLabel reaction={reaction} /> <span safe>{String(reaction.count)}</span>
      </button>
    </form>
  );
}

/** A member's view of one announcement: its reactions, more to pick from, and Dismiss while unread. */
function AnnouncementCard({ ctx, announcement: a }: { ctx: PageContext; announcement: AnnouncementView }) {
  const picked = new Set(a.reactions.map((r) => r.name));
  const more = [
    ...QUICK_REACTIONS.map((name) => ({ name, emoji: undefined })),
    ...(ctx.viewer?.pickerEmojis() ?? []).map((e) => ({ name: e.shortcode, emoji: e })),
  ].filter((r) => !picked.has(r.name));
  return (
    <article class={a.read ? "card announcement" : "card announcement unread"} aria-labelledby={`announcement-${a.id}`}>
      <h3 id={`announcement-${a.id}`} class="announcement-title">
        {a.read ? "Announcement" : "New announcement"}
        {a.publishedAt ? (
          <span class="muted">
            <WithTimes parts={[" · ", a.publishedAt]} />
          </span>
        ) : (
          ""
        )}
      </h3>
      <AnnouncementBody announcement={a} />
      <div class="actions reactions">
        {a.reactions.map((r) => (
          <ReactionButton ctx={ctx} id={a.id} reaction={r} />
        ))}
        <details class="reaction-picker">
          <summary>Add a reaction</summary>
          <ul>
            {more.map((r) => (
              <li>
                <form method="post" action={`/announcements/${a.id}/reactions`}>
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="name" value={r.name} />
                  <button type="submit" class="reaction" aria-label={`React with ${r.emoji ? `:${r.name}:` : r.name}`}>
                    <ReactionLabel reaction={r} />
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </details>
        {a.read ? "" : <PostButton ctx={ctx} action={`/announcements/${a.id}/dismiss`} label="Dismiss" kind="secondary" />}
      </div>
    </article>
  );
}

/**
 * The announcements on top of the home page: those the member has not dismissed, and a link to
 * all of them when some were dismissed.
 */
export function HomeAnnouncements({ ctx, items, dismissed }: { ctx: PageContext; items: AnnouncementView[]; dismissed: number }) {
  if (items.length === 0 && dismissed === 0) return "";
  return (
    <section class="announcements" aria-label="Announcements from the staff">
      {items.map((a) => (
        <AnnouncementCard ctx={ctx} announcement={a} />
      ))}
      {dismissed > 0 ? (
        <p class="muted announcements-more">
          <a href="/announcements" safe>
            {dismissed === 1 ? "1 announcement you dismissed" : `${dismissed} announcements you dismissed`}
          </a>
        </p>
      ) : (
        ""
      )}
    </section>
  );
}

/** Every announcement showing now, dismissed or not. */
export function AnnouncementsPage({ ctx, items, error }: { ctx: PageContext; items: AnnouncementView[]; error?: string }) {
  return (
    <Layout title="Announcements" ctx={ctx}>
      <h1>Announcements</h1>
      <p class="lead">What the staff of this instance are telling its members.</p>
      {error ? (
        <p class="error form-message" role="alert" safe>
          {error}
        </p>
      ) : (
        ""
      )}
      {items.length === 0 ? <p class="muted">There are no announcements right now.</p> : ""}
      {items.map((a) => (
        <AnnouncementCard ctx={ctx} announcement={a} />
      ))}
    </Layout>
  );
}
