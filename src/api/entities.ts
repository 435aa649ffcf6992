import { eq, inArray, sql } from "drizzle-orm";
import { mastodonNotificationType } from "../core/notifications.ts";
import { type EmojiView, emojisOfMany } from "../core/custom-emojis.ts";
import { accountCountsMany } from "../core/accounts-read.ts";
import { type Filter, type FilterKeyword, type FilterMatch, type FilterStatus, notificationsWithPosts } from "../core/filters.ts";
import type { TagInfo } from "../core/followed-tags.ts";
import { type DayUse, tagHistory } from "../core/trends.ts";
import { findReport, type Report } from "../core/reports.ts";
import type { Relationship } from "../core/follows.ts";
import { linkedLine, linkedText } from "../core/text.ts";
import type { PollView } from "../core/polls.ts";
import { type CardView, MISSING_IMAGES, type MediaView, type PostView, remoteMediaPath } from "../core/views.ts";
import type { Db } from "../db/open.ts";
import { accounts, accountWarnings, appeals, type notifications, posts, type Role } from "../db/schema.ts";
import { appealState } from "../core/appeals.ts";
import { groupKey } from "../core/notification-groups.ts";
import { type SeveranceView, severanceOfNotification } from "../core/severances.ts";

type NotificationRow = typeof notifications.$inferSelect;

/**
 * Rows and read-model views as the Mastodon API's entities (docs.joinmastodon.org/entities),
 * with every documented key present. Skein has no polls of its own and no custom emojis of its
 * own (other servers' are shown): those keys hold their empty values.
 */

type AccountRow = typeof accounts.$inferSelect;

const iso = (d: Date) => d.toISOString();
const absolute = (url: string | null, base: URL, fallback: string) => new URL(url ?? fallback, base).href;

export interface ApiAccount {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  locked: boolean;
  bot: boolean;
  discoverable: boolean;
  indexable: boolean;
  group: boolean;
  hide_collections: boolean;
  noindex: boolean;
  created_at: string;
  note: string;
  url: string;
  uri: string;
  avatar: string;
  avatar_static: string;
  header: string;
  header_static: string;
  followers_count: number;
  following_count: number;
  statuses_count: number;
  last_status_at: string | null;
  emojis: ApiEmoji[];
  fields: { name: string; value: string; verified_at: string | null }[];
  moved?: ApiAccount;
}

/** Accounts by id as entities, with their counts (a few small queries each; pages hold at most 80). */
export function accountEntities(db: Db, baseUrl: URL, ids: string[], withMoved = true): Map<string, ApiAccount> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = db.select().from(accounts).where(inArray(accounts.id, unique)).all();
  // The newest post's id gives its time (ids are UUIDv7), read from the index alone.
  const lastPosts = new Map(
    db
      .select({ id: posts.accountId, last: sql<string>`max(${posts.id})` })
      .from(posts)
      .where(inArray(posts.accountId, unique))
      .groupBy(posts.accountId)
      .all()
      .map((r) => [r.id, Number.parseInt(r.last.slice(0, 8) + r.last.slice(9, 13), 16)]),
  );
  // The account each one moved to (one level: moves may form a loop).
  const movedTo = withMoved
    ? accountEntities(
        db,
        baseUrl,
        rows.flatMap((r) => (r.movedToId ? [r.movedToId] : [])),
        false,
      )
    : new Map<string, ApiAccount>();
  const counts = accountCountsMany(db, unique);
  const emojis = emojisOfMany(
    db,
    rows.map((r) => ({ domain: r.domain, texts: [r.displayName, r.note, ...r.fields.flatMap((f) => [f.name, f.value])] })),
  );
  return new Map(
    rows.map((row, i) => [
      row.id,
      accountEntity(baseUrl, row, counts.get(row.id), lastPosts.get(row.id), movedTo, emojis[i] ?? []),
    ]),
  );
}

function accountEntity(
  baseUrl: URL,
  row: AccountRow,
  counts: { posts: number; following: number; followers: number } | undefined,
  lastPostAt: number | undefined,
  moved: Map<string, ApiAccount>,
  emojis: EmojiView[],
): ApiAccount {
  const acct = row.domain ? `${row.username}@${row.domain}` : row.username;
  const localUrl = new URL(`/@${acct}`, baseUrl).href;
  const html = (text: string) => (row.domain ? text : linkedText(text, baseUrl));
  const image = (kind: "avatars" | "headers", url: string | null) => (row.domain ? remoteMediaPath(kind, row.id, url) : url);
  const avatar = absolute(image("avatars", row.avatarUrl), baseUrl, MISSING_IMAGES.avatar);
  const header = absolute(image("headers", row.headerUrl), baseUrl, MISSING_IMAGES.header);
  const movedTo = row.movedToId ? moved.get(row.movedToId) : undefined;
  return {
    id: row.id,
    username: row.username,
    acct,
    display_name: row.displayName,
    locked: row.locked,
    bot: row.bot,
    discoverable: row.discoverable,
    indexable: row.discoverable,
    group: false,
    hide_collections: row.hideCollections,
    noindex: !row.discoverable,
    // Mastodon gives the day an account was made, at midnight.
    created_at: `${row.createdAt.toISOString().slice(0, 10)}T00:00:00.000Z`,
    note: html(row.note),
    url: row.domain ? (row.url ?? row.uri ?? localUrl) : localUrl,
    uri: row.domain ? (row.uri ?? localUrl) : localUrl,
    avatar,
    avatar_static: avatar,
    header,
    header_static: header,
    followers_count: counts?.followers ?? 0,
    following_count: counts?.following ?? 0,
    statuses_count: counts?.posts ?? 0,
    last_status_at: lastPostAt ? new Date(lastPostAt).toISOString().slice(0, 10) : null,
    emojis: emojis.map((e) => emojiEntity(e, baseUrl)),
    fields: row.fields.map((f) => ({
      name: f.name,
      value: row.domain ? f.value : linkedLine(f.value, baseUrl),
      verified_at: f.verifiedAt ?? null,
    })),
    ...(movedTo ? { moved: movedTo } : {}),
  };
}

/** Mastodon's roles as its Role entity has them (ids and permission bits of its defaults). */
export const roleEntities: Record<Role, { id: string; name: string; permissions: string }> = {
  user: { id: "-99", name: "", permissions: "0" },
  // audit log, dashboard, reports, trends, appeals, users, invites: the pages moderators open here
  moderator: { id: "1", name: "Moderator", permissions: String([2, 3, 4, 8, 9, 10, 11].reduce((bits, b) => bits | (1 << b), 0)) },
  admin: { id: "2", name: "Admin", permissions: "1" }, // administrator
  owner: { id: "3", name: "Owner", permissions: "1" },
};

/** A member's Role entity: apps read its permissions to offer the staff's settings. */
export function roleEntity(role: Role) {
  return { ...roleEntities[role], color: "", highlighted: role !== "user" };
}

/** The signed-in member's own account, with `source` (what they typed) and `role`. */
export function credentialAccount(
  db: Db,
  baseUrl: URL,
  me: {
    account: AccountRow;
    user: {
      role: Role;
      defaultVisibility: string;
      defaultQuotePolicy: string;
      defaultSensitive: boolean;
      defaultLanguage: string | null;
    };
  },
  followRequests: number,
) {
  const entity = accountEntities(db, baseUrl, [me.account.id]).get(me.account.id) as ApiAccount;
  return {
    ...entity,
    source: {
      note: me.account.note,
      fields: me.account.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verifiedAt ?? null })),
      privacy: me.user.defaultVisibility,
      quote_policy: me.user.defaultQuotePolicy,
      sensitive: me.user.defaultSensitive,
      language: me.user.defaultLanguage,
      follow_requests_count: followRequests,
      hide_collections: me.account.hideCollections,
      discoverable: me.account.discoverable,
      indexable: me.account.discoverable,
      attribution_domains: me.account.attributionDomains,
    },
    role: roleEntity(me.user.role),
  };
}

export function mediaEntity(media: MediaView, baseUrl: URL) {
  const url = new URL(media.url, baseUrl).href;
  const size =
    media.width && media.height
      ? { width: media.width, height: media.height, size: `${media.width}x${media.height}`, aspect: media.width / media.height }
      : undefined;
  const type = media.mime.startsWith("image/")
    ? "image"
    : media.mime.startsWith("video/")
      ? "video"
      : media.mime.startsWith("audio/")
        ? "audio"
        : "unknown";
  return {
    id: media.id,
    type,
    url,
    preview_url: media.thumbnailUrl ? new URL(media.thumbnailUrl, baseUrl).href : null,
    remote_url: media.remoteUrl,
    preview_remote_url: media.coverRemoteUrl,
    text_url: null,
    meta: mediaMeta(type, size, media.duration, media.focus),
    description: media.description || null,
    blurhash: media.blurhash,
  };
}

/** Seconds as Mastodon writes a length: "0:01:05.20". */
function clockTime(seconds: number): string {
  const hundredths = Math.round(seconds * 100);
  const [h, m, s] = [Math.floor(hundredths / 360_000), Math.floor(hundredths / 6000) % 60, (hundredths % 6000) / 100];
  return `${h}:${String(m).padStart(2, "0")}:${s.toFixed(2).padStart(5, "0")}`;
}

/** Mastodon's `meta`: sizes, a picture's focus, a video's or audio's length ("0:01:05.20" and seconds). */
function mediaMeta(
  type: string,
  size: { width: number; height: number } | undefined,
  duration: number | null,
  focus: { x: number; y: number } | null,
) {
  const timed = duration !== null ? { length: clockTime(duration), duration } : {};
  if (type === "image") return size ? { original: size, small: size, focus: focus ?? { x: 0, y: 0 } } : {};
  return {
    ...timed,
    ...size,
    original: { ...size, ...(duration !== null ? { duration } : {}) },
    ...(size ? { small: size } : {}),
  };
}

export type ApiMedia = ReturnType<typeof mediaEntity>;

export interface ApiStatus {
  id: string;
  uri: string;
  url: string | null;
  created_at: string;
  edited_at: string | null;
  account: ApiAccount | undefined;
  content: string;
  visibility: string;
  sensitive: boolean;
  spoiler_text: string;
  media_attachments: ApiMedia[];
  application: { name: string; website: string | null } | null;
  mentions: { id: string; username: string; url: string; acct: string }[];
  tags: { name: string; url: string }[];
  emojis: ApiEmoji[];
  reblogs_count: number;
  favourites_count: number;
  replies_count: number;
  quotes_count: number;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  reblog: ApiStatus | null;
  poll: ApiPoll | null;
  /** Mastodon 4.5's QuoteApproval. */
  quote_approval: PostView["quoteApproval"];
  /**
   * Mastodon 4.4's Quote: shown only when allowed (core/quotes.ts); inside a quoted post, whose
   * own quote is not loaded, a ShallowQuote naming it.
   */
  quote:
    | { state: "accepted" | "pending"; quoted_status: ApiStatus }
    | { state: "rejected" | "revoked" | "deleted"; quoted_status: null }
    | { state: "accepted"; quoted_status_id: string }
    | { state: "rejected" | "revoked" | "deleted"; quoted_status_id: null }
    | null;
  card: ApiCard | null;
  language: string | null;
  text: string | null;
  favourited: boolean;
  reblogged: boolean;
  muted: boolean;
  bookmarked: boolean;
  pinned: boolean;
  filtered: ApiFilterResult[];
}

/** A post as a Status; `accounts` must hold the entities of every author involved. */
export type ApiCard = ReturnType<typeof cardEntity>;

/**
 * Mastodon's PreviewCard (a plain link: no embedded player), with its one author as Mastodon 4.3
 * gives it: the name the page says, and the credited account; `accounts` must hold its entity.
 */
export function cardEntity(card: CardView, baseUrl: URL, accounts: Map<string, ApiAccount>) {
  const account = card.author ? (accounts.get(card.author.id) ?? null) : null;
  return {
    url: card.url,
    title: card.title,
    description: card.description,
    type: "link" as const,
    author_name: card.authorName,
    author_url: "",
    provider_name: card.provider,
    provider_url: new URL(card.url).origin,
    html: "",
    width: 0,
    height: 0,
    image: card.image ? new URL(card.image, baseUrl).href : null,
    image_description: "",
    embed_url: "",
    blurhash: null,
    published_at: null,
    authors: [{ name: card.authorName, url: "", account }],
  };
}

export interface ApiEmoji {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
  category?: string | null;
}

/** A custom emoji, its image served from here; only this instance's own can be in the picker. */
export const emojiEntity = (emoji: EmojiView, baseUrl: URL): ApiEmoji => ({
  shortcode: emoji.shortcode,
  url: new URL(emoji.url, baseUrl).href,
  static_url: new URL(emoji.staticUrl, baseUrl).href,
  visible_in_picker: emoji.local?.visibleInPicker ?? false,
  ...(emoji.local ? { category: emoji.local.category } : {}),
});

export type ApiPoll = ReturnType<typeof pollEntity>;

/** Mastodon's Poll; its id is its post's. */
export function pollEntity(poll: PollView) {
  const hidden = poll.options.some((o) => o.votes === null);
  return {
    id: poll.id,
    expires_at: poll.expiresAt ? iso(poll.expiresAt) : null,
    expired: poll.expired,
    multiple: poll.multiple,
    votes_count: poll.votesCount,
    voters_count: poll.multiple ? poll.votersCount : null,
    options: poll.options.map((o) => ({ title: o.title, votes_count: hidden ? null : o.votes })),
    emojis: [],
    ...(poll.voted === null ? {} : { voted: poll.voted, own_votes: poll.ownVotes }),
  };
}

export function statusEntity(post: PostView, accounts: Map<string, ApiAccount>, baseUrl: URL, nested = false): ApiStatus {
  const account = accounts.get(post.account.id);
  return {
    id: post.id,
    uri: post.uri,
    url: post.reblog ? null : post.url,
    created_at: iso(post.createdAt),
    edited_at: post.editedAt ? iso(post.editedAt) : null,
    account,
    content: post.reblog ? "" : post.contentHtml,
    visibility: post.visibility,
    sensitive: post.sensitive,
    spoiler_text: post.spoilerText,
    media_attachments: post.media.map((m) => mediaEntity(m, baseUrl)),
    application: post.application,
    mentions: post.mentions.map((m) => ({ id: m.id, username: m.username, url: m.url, acct: m.acct })),
    tags: post.tags.map((name) => ({ name, url: new URL(`/tags/${encodeURIComponent(name)}`, baseUrl).href })),
    emojis: post.emojis.map((e) => emojiEntity(e, baseUrl)),
    reblogs_count: post.counts.reblogs,
    favourites_count: post.counts.favourites,
    replies_count: post.counts.replies,
    quotes_count: post.counts.quotes,
    in_reply_to_id: post.inReplyToId,
    in_reply_to_account_id: post.inReplyToAccount?.id ?? null,
    reblog: post.reblog ? statusEntity(post.reblog, accounts, baseUrl) : null,
    poll: post.poll ? pollEntity(post.poll) : null,
    quote_approval: post.quoteApproval,
    quote: quoteEntity(post, accounts, baseUrl, nested),
    card: post.card ? cardEntity(post.card, baseUrl, accounts) : null,
    language: post.language,
    text: null,
    favourited: post.viewer?.favourited ?? false,
    reblogged: post.viewer?.reblogged ?? false,
    muted: post.viewer?.muted ?? false,
    bookmarked: post.viewer?.bookmarked ?? false,
    pinned: post.pinned,
    filtered: (post.filtered ?? []).map(filterResultEntity),
  };
}

/**
 * Mastodon's Quote: the quoted post (or, for a quote no longer shown, what became of it); inside
 * a quoted post, whose own quote is not loaded, a ShallowQuote naming it.
 */
function quoteEntity(post: PostView, accounts: Map<string, ApiAccount>, baseUrl: URL, nested: boolean): ApiStatus["quote"] {
  if (post.quote) {
    const quoted = statusEntity(post.quote, accounts, baseUrl, true);
    return { state: post.quotePending ? "pending" : "accepted", quoted_status: quoted };
  }
  if (!nested) return post.quoteState ? { state: post.quoteState, quoted_status: null } : null;
  if (post.quoteState) return { state: post.quoteState, quoted_status_id: null };
  return post.quotedId ? { state: "accepted", quoted_status_id: post.quotedId } : null;
}

/** Statuses for a list of post views, loading the authors' entities in one go. */
export function statusEntities(db: Db, baseUrl: URL, views: PostView[]) {
  const authorIds = views.flatMap((p) =>
    [p, p.reblog, p.quote, p.reblog?.quote].flatMap((v) =>
      v ? [v.account.id, ...(v.card?.author ? [v.card.author.id] : [])] : [],
    ),
  );
  const authors = accountEntities(db, baseUrl, authorIds);
  return views.map((p) => statusEntity(p, authors, baseUrl));
}

export function relationshipEntity(id: string, r: Relationship) {
  return {
    id,
    following: r.following,
    showing_reblogs: (r.following || r.requested) && r.showingReblogs,
    notifying: r.notifying,
    languages: null,
    followed_by: r.followedBy,
    blocking: r.blocking,
    blocked_by: r.blockedBy,
    muting: r.muting,
    muting_notifications: r.mutingNotifications,
    requested: r.requested,
    requested_by: r.requestedBy,
    domain_blocking: r.domainBlocking,
    endorsed: r.endorsed,
    note: r.note,
  };
}

export const filterKeywordEntity = (k: FilterKeyword) => ({ id: k.id, keyword: k.keyword, whole_word: k.wholeWord });
export const filterStatusEntity = (s: FilterStatus) => ({ id: s.id, status_id: s.postId });

/** A Filter; its keywords and statuses only where the rules were asked for (as Mastodon). */
export function filterEntity(f: Filter, withRules = true) {
  return {
    id: f.id,
    title: f.title,
    context: f.context,
    expires_at: f.expiresAt ? iso(f.expiresAt) : null,
    filter_action: f.filterAction,
    ...(withRules ? { keywords: f.keywords.map(filterKeywordEntity), statuses: f.statuses.map(filterStatusEntity) } : {}),
  };
}

export function filterResultEntity(m: FilterMatch) {
  return { filter: filterEntity(m.filter, false), keyword_matches: m.keywordMatches, status_matches: m.statusMatches };
}

export type ApiFilterResult = ReturnType<typeof filterResultEntity>;

/** The deprecated v1 Filter: one per keyword. */
export function v1FilterEntities(f: Filter) {
  return f.keywords.map((k) => ({
    id: k.id,
    phrase: k.keyword,
    context: f.context,
    whole_word: k.wholeWord,
    expires_at: f.expiresAt ? iso(f.expiresAt) : null,
    irreversible: f.filterAction === "hide",
  }));
}

/** Mastodon's daily uses, as strings: the day's start in Unix seconds, posts, people. */
export const historyEntity = (history: DayUse[]) =>
  history.map((d) => ({ day: String(d.day.getTime() / 1000), uses: String(d.uses), accounts: String(d.accounts) }));

export function tagEntity(tag: TagInfo, baseUrl: URL, following: boolean | undefined, history: DayUse[] = []) {
  return {
    ...(tag.id ? { id: tag.id } : {}),
    name: tag.display,
    url: new URL(`/tags/${encodeURIComponent(tag.name)}`, baseUrl).href,
    history: historyEntity(history),
    ...(following === undefined ? {} : { following }),
  };
}

/** Tags as entities with their week's history (asked once for all of them). */
export function tagEntities(
  db: Db,
  baseUrl: URL,
  tags: TagInfo[],
  following: (tag: TagInfo) => boolean | undefined,
): ReturnType<typeof tagEntity>[] {
  const history = tagHistory(
    db,
    tags.flatMap((t) => (t.id ? [t.id] : [])),
  );
  return tags.map((tag) => tagEntity(tag, baseUrl, following(tag), tag.id ? history(tag.id) : []));
}

/** Mastodon's Report, as its author (and, in an admin.report notification, the staff) see it. */
export function reportEntity(db: Db, baseUrl: URL, report: Report) {
  return {
    id: report.id,
    action_taken: report.resolvedAt !== null,
    action_taken_at: report.resolvedAt?.toISOString() ?? null,
    category: report.category,
    comment: report.comment,
    forwarded: report.forward,
    created_at: report.createdAt.toISOString(),
    status_ids: report.postIds,
    rule_ids: report.rules.map((r) => r.id),
    target_account: accountEntities(db, baseUrl, [report.targetAccountId]).get(report.targetAccountId),
  };
}

/** Our moderation actions under Mastodon's AccountWarning names (undoing one is "none": a note). */
const warningActions: Record<string, string> = {
  sensitive: "mark_statuses_as_sensitive",
  silence: "silence",
  suspend: "suspend",
  delete_post: "delete_statuses",
};

/** Mastodon's AccountWarning: what the moderators did to the member's account, and their words. */
function warningEntity(db: Db, baseUrl: URL, warningId: string) {
  const row = db
    .select({ warning: accountWarnings, appeal: appeals })
    .from(accountWarnings)
    .leftJoin(appeals, eq(appeals.warningId, accountWarnings.id))
    .where(eq(accountWarnings.id, warningId))
    .get();
  if (!row) return undefined;
  const { warning, appeal } = row;
  return {
    id: warning.id,
    action: warningActions[warning.action] ?? "none",
    text: warning.text,
    status_ids: warning.posts.length > 0 ? warning.posts.map((p) => p.id) : null,
    target_account: accountEntities(db, baseUrl, [warning.accountId]).get(warning.accountId),
    appeal: appeal
      ? { text: appeal.text, state: { waiting: "pending", approved: "approved", rejected: "rejected" }[appealState(appeal)] }
      : null,
    created_at: warning.createdAt.toISOString(),
  };
}

/** Mastodon's RelationshipSeveranceEvent, counted for the member it is shown to. */
const severanceEventEntity = (s: SeveranceView) => ({
  id: s.id,
  type: s.type,
  purged: false,
  target_name: s.targetName,
  followers_count: s.followers,
  following_count: s.following,
  created_at: s.createdAt.toISOString(),
});

/**
 * Notifications as entities for the member they are for, with their accounts and posts; a post a
 * `hide` filter removes takes its notification with it. The list call and the stream use this.
 */
export function notificationEntities(db: Db, baseUrl: URL, rows: NotificationRow[], viewerId: string) {
  const accounts = accountEntities(
    db,
    baseUrl,
    rows.map((r) => r.fromAccountId),
  );
  const shown = notificationsWithPosts(db, baseUrl, viewerId, rows);
  const statuses = new Map(
    statusEntities(
      db,
      baseUrl,
      shown.flatMap((n) => (n.post ? [n.post] : [])),
    ).map((s) => [s.id, s]),
  );
  return shown.flatMap(({ row: r }) => {
    const account = accounts.get(r.fromAccountId);
    const report = r.reportId ? findReport(db, r.reportId) : undefined;
    const severance = severanceOfNotification(db, r);
    if (!account || (r.reportId && !report)) return [];
    return [
      {
        id: r.id,
        type: mastodonNotificationType(r.type),
        created_at: r.createdAt.toISOString(),
        group_key: groupKey(r),
        account,
        ...(r.postId ? { status: statuses.get(r.postId) ?? null } : {}),
        ...(report ? { report: reportEntity(db, baseUrl, report) } : {}),
        ...(r.warningId ? { moderation_warning: warningEntity(db, baseUrl, r.warningId) ?? null } : {}),
        ...(severance ? { event: severanceEventEntity(severance) } : {}),
      },
    ];
  });
}
