/** @jsxImportSource @kitajs/html */
import { THUMBNAIL_SIDE } from "../src/media/images.ts";
import { languageName } from "../src/core/languages.ts";
import { baseLanguage, translatable } from "../src/core/translations.ts";
import { withEmojis } from "../src/core/custom-emojis.ts";
import { WithEmojis } from "./emoji.tsx";
import type { CardView, MediaView, PostView } from "../src/core/views.ts";
import type { Preferences } from "../src/core/preferences.ts";
import { Avatar } from "./avatar.tsx";
import type { PageContext } from "./context.ts";
import type { PropsWithChildren } from "@kitajs/html";
import { Time, timeLeft } from "./time.tsx";

export const visibilityLabel = {
  public: "Public",
  unlisted: "Unlisted",
  private: "Followers only",
  direct: "Mentioned people only",
} as const;

/** One action button: a form that works without JavaScript; htmx swaps the post in place. */
function Action({
  ctx,
  post,
  action,
  label,
  pressed,
  count,
}: {
  ctx: PageContext;
  post: PostView;
  action: string;
  label: string;
  pressed?: boolean;
  count?: number;
}) {
  // A toggle keeps its id whichever way it is, so htmx gives the focus back to it after the swap.
  const id = pressed === undefined ? undefined : `post-${post.id}-${label.toLowerCase()}`;
  return (
    <form
      method="post"
      action={`/statuses/${post.id}/${action}`}
      hx-post={`/statuses/${post.id}/${action}`}
      hx-target={`#post-${post.id}`}
      hx-swap="outerHTML"
    >
      <input type="hidden" name="_csrf" value={ctx.csrf} />
      <button type="submit" class="action" id={id} aria-pressed={pressed === undefined ? undefined : String(pressed)}>
        <span safe>{label}</span>
        {count ? (
          <span class="count" safe>
            {String(count)}
          </span>
        ) : (
          ""
        )}
      </button>
    </form>
  );
}

/** A post's pictures; behind a "Show" fold when the viewer's filter says blur, when marked sensitive or the viewer hides all media (`hiddenBy`: why). */
function Media({ post, hiddenBy }: { post: PostView; hiddenBy?: string }) {
  if (post.media.length === 0) return "";
  const grid = (
    <div class={`media-grid count-${post.media.length}`}>
      {post.media.map((m) => (
        <MediaItem m={m} alone={post.media.length === 1} />
      ))}
    </div>
  );
  if (!hiddenBy) return grid;
  return (
    <details class="media-hidden">
      <summary>
        <span safe>{hiddenBy}</span> <span class="show-more">Show</span>
      </summary>
      {grid}
    </details>
  );
}

/**
 * A link's preview, as Mastodon shows it where a post has no pictures; the fediverse account the
 * page credits (and allows it) below it, as "More from".
 */
export function Card({ card }: { card: CardView }) {
  const link = (
    <a class="link-card" href={card.url} target="_blank" rel="noopener nofollow noreferrer">
      {card.image ? <img src={card.image} alt="" loading="lazy" /> : ""}
      <span class="link-card-text">
        <span class="link-card-provider" safe>
          {card.authorName ? `${card.provider} · ${card.authorName}` : card.provider}
        </span>
        <strong safe>{card.title}</strong>
        {card.description ? <span safe>{card.description}</span> : ""}
      </span>
    </a>
  );
  if (!card.author) return link;
  return (
    <div class="link-card-credited">
      {link}
      <a class="link-card-author" href={card.author.localUrl}>
        More from <Avatar account={card.author} size={20} />
        <strong>
          <WithEmojis text={card.author.displayName} emojis={card.author.emojis} />
        </strong>
        <span class="handle" safe>{`@${card.author.acct}`}</span>
      </a>
    </div>
  );
}

/**
 * A picture links to the full file; video and audio play in place. A remote file comes from the
 * instance's cache, fetched from its server on the first play, so its player loads nothing
 * before; a member's own shows its cover, or its first frame.
 */
/** The small copy's width (its long side THUMBNAIL_SIDE, never more than the original's). */
function smallWidth(width: number, height: number): number {
  return Math.round(width * Math.min(1, THUMBNAIL_SIDE / Math.max(width, height)));
}

/**
 * A picture's sources for the browser to choose from by the room it has and the screen's
 * density: the small copy, and the original where the small one would be blurry (our own
 * pictures; another server's come as one cached file).
 */
function pictureSources(m: MediaView, alone: boolean) {
  if (!m.width || !m.height || !m.thumbnailUrl || m.thumbnailUrl === m.url) return {};
  return {
    srcset: `${m.thumbnailUrl} ${smallWidth(m.width, m.height)}w, ${m.url} ${m.width}w`,
    sizes: alone ? "(max-width: 40rem) 100vw, 38rem" : "(max-width: 40rem) 50vw, 19rem",
  };
}

function MediaItem({ m, alone }: { m: MediaView; alone: boolean }) {
  // (@kitajs/html's types lack the attribute.)
  const preload = { preload: m.remoteUrl ? "none" : "metadata" };
  const size = { width: m.width ? String(m.width) : undefined, height: m.height ? String(m.height) : undefined };
  if (m.mime.startsWith("video/")) {
    return (
      <video
        class="media-item"
        src={m.url}
        poster={m.thumbnailUrl ?? undefined}
        {...size}
        controls
        {...preload}
        aria-label={m.description || "Video"}
      >
        <a href={m.url}>Download the video</a>
      </video>
    );
  }
  if (m.mime.startsWith("audio/")) {
    return (
      <div class="media-item media-audio">
        {m.thumbnailUrl ? <img src={m.thumbnailUrl} alt="" loading="lazy" /> : ""}
        <audio src={m.url} controls="" {...preload} aria-label={m.description || "Audio"}>
          <a href={m.url}>Download the audio</a>
        </audio>
      </div>
    );
  }
  // A picture's description is also offered to all readers behind an "ALT" badge, as on Mastodon.
  return (
    <div class="media-item media-picture">
      <a href={m.url} target="_blank" rel="noopener">
        <img
          src={m.thumbnailUrl ?? m.url}
          alt={m.description}
          {...pictureSources(m, alone)}
          {...size}
          loading="lazy"
          data-focus={m.focus ? `${m.focus.x},${m.focus.y}` : undefined}
        />
      </a>
      {m.description ? (
        <details class="alt-text">
          <summary title="What the picture shows">ALT</summary>
          <p safe>{m.description}</p>
        </details>
      ) : (
        ""
      )}
    </div>
  );
}

/**
 * A poll: a form to vote in (a member who has not voted, while it runs), else its results
 * (hidden ones: only the choices, until it ends). The bars are <progress> elements, since the
 * instance's CSP allows no inline styles.
 */
function Poll({ ctx, post, formId, problem }: { ctx: PageContext; post: PostView; formId: string; problem?: string }) {
  const poll = post.poll;
  if (!poll) return "";
  const people = poll.multiple ? poll.votersCount : poll.votesCount;
  const summary = `${people} ${people === 1 ? "person" : "people"} · ${
    poll.expired ? "Closed" : poll.expiresAt ? timeLeft(poll.expiresAt) : "Open"
  }`;
  if (ctx.viewer && poll.voted === false && !poll.expired) {
    return (
      <form
        class="poll"
        method="post"
        action={`/statuses/${formId}/votes`}
        hx-post={`/statuses/${formId}/votes`}
        hx-target={`#post-${formId}`}
        hx-swap="outerHTML"
      >
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <fieldset>
          <legend class="visually-hidden">{poll.multiple ? "Choose one or more" : "Choose one"}</legend>
          {poll.options.map((o, i) => (
            <label class="poll-option">
              <input type={poll.multiple ? "checkbox" : "radio"} name="choices" value={String(i)} /> <span safe>{o.title}</span>
            </label>
          ))}
        </fieldset>
        {problem ? (
          <p class="error" role="alert" safe>
            {problem}
          </p>
        ) : (
          ""
        )}
        <p class="poll-footer">
          <button type="submit">Vote</button> <span safe>{summary}</span>
        </p>
      </form>
    );
  }
  const hidden = poll.options.some((o) => o.votes === null);
  const total = (poll.multiple ? poll.votersCount : poll.votesCount) || 1;
  return (
    <div class="poll">
      <ul class="poll-results">
        {poll.options.map((o, i) => {
          const percent = Math.round(((o.votes ?? 0) / total) * 100);
          return (
            <li class={poll.ownVotes.includes(i) ? "poll-result chosen" : "poll-result"}>
              <span class="poll-label">
                {hidden ? "" : <strong safe>{`${percent}%`}</strong>} <span safe>{o.title}</span>
                {poll.ownVotes.includes(i) ? <span class="poll-mine"> · your choice</span> : ""}
              </span>
              {hidden ? "" : <progress max="100" value={String(percent)} aria-hidden="true" />}
            </li>
          );
        })}
      </ul>
      <p class="poll-footer" safe>
        {hidden ? `${summary} · results when it ends` : summary}
      </p>
    </div>
  );
}

/** The post another one quotes, inside it: its author, its time and its body (its own quote left out). */
export function QuotedPost({ post, pending = false, reading }: { post: PostView; pending?: boolean; reading?: Reading }) {
  return (
    <section class="quoted-post" aria-label={`Quoted post by ${post.account.displayName}`}>
      {pending ? <p class="quote-pending">Waiting for its author to approve the quote; only you see it until then.</p> : ""}
      <p class="quoted-header">
        <a href={post.account.localUrl}>
          <strong>
            <WithEmojis text={post.account.displayName} emojis={post.account.emojis} />
          </strong>{" "}
          <span class="handle" safe>{`@${post.account.acct}`}</span>
        </a>{" "}
        ·{" "}
        <a href={post.localUrl}>
          <Time date={post.createdAt} />
        </a>
      </p>
      {/* One level: its own quote is not drawn (its "RE: link" line shows instead). */}
      <Body post={{ ...post, quote: null, quoteState: null }} reading={reading} />
    </section>
  );
}

/** Where a quote stood once its quoted post went, as Mastodon's placeholders say it. */
const quoteGone = {
  deleted: "The quoted post was deleted.",
  revoked: "Its author removed their post from this quote.",
  rejected: "Its author did not allow this quote.",
} as const;

/** How the viewer reads posts (Settings → Preferences); visitors get the defaults. */
type Reading = Pick<Preferences, "expandSpoilers" | "mediaDisplay">;

/**
 * Why a post's media is folded, if it is: the viewer's filter, their choice to hide all media, or
 * the post marked sensitive (unless they show all media), with or without a content warning: one
 * opened, or always open, does not show the pictures with it (as on Mastodon).
 */
function mediaFold(post: PostView, filteredBy: string | undefined, reading: Reading | undefined): string | undefined {
  if (filteredBy) return `Media hidden by your filter: ${filteredBy}`;
  if (post.media.length === 0) return undefined;
  if (reading?.mediaDisplay === "hide_all") return "Media hidden";
  if (post.sensitive && reading?.mediaDisplay !== "show_all") return "Sensitive media";
  return undefined;
}

/**
 * The post's text, pictures and poll (the children), behind its content warning if it has one
 * (open when the viewer always expands them). Media marked sensitive folds on its own, as on
 * Mastodon: the words stay readable.
 */
function Body({
  post,
  mediaHiddenBy,
  reading,
  children,
}: PropsWithChildren<{ post: PostView; mediaHiddenBy?: string; reading?: Reading }>) {
  // Rendered by core/text.ts from escaped text, or sanitized remote HTML: inserted as it is,
  // with the images of the custom emoji it names.
  const safeContent = withEmojis(post.contentHtml, post.emojis);
  const content = (
    <>
      {/* A shown quote (or what became of it) hides the "RE: link" line other servers add for those who cannot show it. */}
      <div class={post.quote || post.quoteState ? "content quoting" : "content"} lang={post.language ?? undefined}>
        {safeContent}
      </div>
      <Media post={post} hiddenBy={mediaFold(post, mediaHiddenBy, reading)} />
      {children}
      {post.quote ? <QuotedPost post={post.quote} pending={post.quotePending} reading={reading} /> : ""}
      {!post.quote && post.quoteState ? <p class="quote-gone">{quoteGone[post.quoteState]}</p> : ""}
      {post.media.length === 0 && !post.poll && !post.quote && post.card ? <Card card={post.card} /> : ""}
    </>
  );
  if (!post.spoilerText) return content;
  return (
    <details class="content-warning" open={reading?.expandSpoilers ? true : undefined}>
      <summary>
        <span>
          <WithEmojis text={post.spoilerText} emojis={post.emojis} />
        </span>{" "}
        <span class="show-more">Show more</span>
      </summary>
      {content}
    </details>
  );
}

/**
 * A post as the viewer sees it. One the viewer's filters match (core/filters.ts applyFilters
 * set `filtered`; `hide` ones never get here) is folded behind "Filtered: <title>", opened
 * without JavaScript.
 */
export function PostCard({
  ctx,
  post: shown,
  focused = false,
  pollProblem,
  translationProblem,
}: {
  ctx: PageContext;
  post: PostView;
  focused?: boolean;
  /** Why a vote just sent was refused. */
  pollProblem?: string;
  /** Why a translation just asked for did not come. */
  translationProblem?: string;
}) {
  const matches = shown.filtered ?? [];
  // A `blur` filter folds only the pictures; the others fold the whole post.
  const folding = matches.filter((m) => m.filter.filterAction !== "blur");
  const titles = (list: typeof matches) => [...new Set(list.map((m) => m.filter.title))].join(", ");
  const blurring = folding.length === 0 && matches.length > 0 ? titles(matches) : undefined;
  const inner = (
    <PostInner
      ctx={ctx}
      shown={shown}
      focused={focused}
      pollProblem={pollProblem}
      translationProblem={translationProblem}
      mediaHiddenBy={blurring}
    />
  );
  return (
    <article class={focused ? "post focused" : "post"} id={`post-${shown.id}`} aria-labelledby={`post-${shown.id}-author`}>
      {folding.length === 0 ? (
        inner
      ) : (
        <details class="filtered-post">
          <summary>
            <span safe>{`Filtered: ${titles(folding)}`}</span> <span class="show-more">Show anyway</span>
          </summary>
          {inner}
        </details>
      )}
    </article>
  );
}

/**
 * Under a post: who translated it and the way back to the original, or the button to translate
 * it (public posts in another language than the reader's, when the instance has a service).
 */
function TranslationLine({
  ctx,
  shown,
  focused,
  problem,
}: {
  ctx: PageContext;
  shown: PostView;
  focused: boolean;
  problem?: string;
}) {
  const post = shown.reblog ?? shown;
  const target = `#post-${shown.id}`;
  if (post.translated) {
    const from = post.translated.from ? `from ${languageName(post.translated.from)} ` : "";
    return (
      <p class="translated">
        <span safe>{`Translated ${from}with ${post.translated.provider}`}</span> ·{" "}
        <a
          href={post.localUrl}
          hx-get={`/statuses/${shown.id}/card${focused ? "?focused=1" : ""}`}
          hx-target={target}
          hx-swap="outerHTML"
        >
          Show original
        </a>
      </p>
    );
  }
  const reader = ctx.viewer?.translateTo;
  const offered = reader && translatable(post) && baseLanguage(post.language) !== reader;
  if (!offered) return "";
  return (
    <form
      class="translate"
      method="post"
      action={`/statuses/${shown.id}/translate`}
      hx-post={`/statuses/${shown.id}/translate`}
      hx-target={target}
      hx-swap="outerHTML"
    >
      <input type="hidden" name="_csrf" value={ctx.csrf} />
      {focused ? <input type="hidden" name="focused" value="1" /> : ""}
      <button type="submit" class="link-button">
        Translate
      </button>
      {problem ? (
        <span class="error-text" role="alert" safe>
          {problem}
        </span>
      ) : (
        ""
      )}
    </form>
  );
}

function PostInner({
  ctx,
  shown,
  focused,
  pollProblem,
  translationProblem,
  mediaHiddenBy,
}: {
  ctx: PageContext;
  shown: PostView;
  focused: boolean;
  pollProblem?: string;
  translationProblem?: string;
  mediaHiddenBy?: string;
}) {
  const post = shown.reblog ?? shown;
  const viewer = ctx.viewer;
  const mine = viewer !== null && post.account.domain === null && post.account.username === viewer.username;
  const boostable = post.visibility === "public" || post.visibility === "unlisted";
  // Offered where there is a thread to mute, or one may start: one's own posts, replies, posts with replies.
  const threaded = mine || post.inReplyToId !== null || post.counts.replies > 0 || post.viewer?.muted;
  const muteAction = threaded ? (
    <Action
      ctx={ctx}
      post={shown}
      action={post.viewer?.muted ? "unmute" : "mute"}
      label={post.viewer?.muted ? "Unmute conversation" : "Mute conversation"}
    />
  ) : (
    ""
  );
  // In the menu, as in Mastodon's boost menu: the bar stays one line on a phone.
  const quoteLink =
    boostable && post.quoteApproval.current_user !== "denied" ? <a href={`/compose?quote=${post.id}`}>Quote</a> : "";
  // Shown by app.js where the browser lets a page write to the clipboard.
  const copyLink = (
    <button type="button" data-copy={post.url} hidden>
      Copy link to post
    </button>
  );
  return (
    <>
      {shown.reblog ? (
        <p class="boosted-by">
          <a href={shown.account.localUrl}>
            <WithEmojis text={shown.account.displayName} emojis={shown.account.emojis} /> boosted
          </a>
        </p>
      ) : (
        ""
      )}
      <header class="post-header">
        <a href={post.account.localUrl} class="author" id={`post-${shown.id}-author`}>
          <Avatar account={post.account} />
          <span class="names">
            <strong class="display-name">
              <WithEmojis text={post.account.displayName} emojis={post.account.emojis} />
            </strong>
            <span class="handle" safe>{`@${post.account.acct}`}</span>
          </span>
        </a>
        <a href={post.localUrl} class="permalink">
          <Time date={post.createdAt} />
          {post.editedAt ? <span class="edited"> · edited</span> : ""}
        </a>
        <span class={`visibility ${post.visibility}`} title={visibilityLabel[post.visibility]}>
          {post.visibility === "public" ? "" : visibilityLabel[post.visibility]}
        </span>
      </header>
      {post.inReplyToAccount ? (
        <p class="reply-to">
          Replying to <a href={post.inReplyToAccount.localUrl} safe>{`@${post.inReplyToAccount.acct}`}</a>
        </p>
      ) : (
        ""
      )}
      <Body post={post} mediaHiddenBy={mediaHiddenBy} reading={ctx.viewer?.preferences}>
        <Poll ctx={ctx} post={post} formId={shown.id} problem={pollProblem} />
      </Body>
      <TranslationLine ctx={ctx} shown={shown} focused={focused} problem={translationProblem} />
      {/* Someone else quoting the viewer's post (their own quote of it they just delete). */}
      {post.quote && viewer && !mine && post.quote.account.domain === null && post.quote.account.username === viewer.username ? (
        <form
          class="quote-revoke"
          data-confirm="Remove your post from this quote? It will no longer show in it."
          method="post"
          action={`/statuses/${post.quote.id}/quotes/${post.id}/revoke`}
          hx-post={`/statuses/${post.quote.id}/quotes/${post.id}/revoke`}
          hx-target={`#post-${shown.id}`}
          hx-swap="outerHTML"
        >
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <button type="submit" class="link-button">
            Remove your post from this quote
          </button>
        </form>
      ) : (
        ""
      )}
      {post.account.domain ? (
        <p class="origin">
          <a href={post.url} rel="noopener" target="_blank">
            Open on its server
          </a>
        </p>
      ) : (
        ""
      )}
      {focused && post.application ? (
        <p class="origin">
          {"Posted with "}
          {post.application.website ? (
            <a href={post.application.website} rel="noopener" target="_blank" safe>
              {post.application.name}
            </a>
          ) : (
            <span safe>{post.application.name}</span>
          )}
        </p>
      ) : (
        ""
      )}
      {viewer ? (
        <footer class="actions" aria-label="Actions">
          <a class="action" href={`${post.localUrl}#reply`}>
            Reply
            {post.counts.replies ? (
              <span class="count" safe>
                {String(post.counts.replies)}
              </span>
            ) : (
              ""
            )}
          </a>
          {/* Toggles keep their name; aria-pressed (and the accent) says they are on. */}
          {boostable ? (
            <Action
              ctx={ctx}
              post={shown}
              action={post.viewer?.reblogged ? "unreblog" : "reblog"}
              label="Boost"
              pressed={post.viewer?.reblogged ?? false}
              count={post.counts.reblogs}
            />
          ) : (
            ""
          )}
          <Action
            ctx={ctx}
            post={shown}
            action={post.viewer?.favourited ? "unfavourite" : "favourite"}
            label="Like"
            pressed={post.viewer?.favourited ?? false}
            count={post.counts.favourites}
          />
          <Action
            ctx={ctx}
            post={shown}
            action={post.viewer?.bookmarked ? "unbookmark" : "bookmark"}
            label="Bookmark"
            pressed={post.viewer?.bookmarked ?? false}
          />
          {mine ? (
            <details class="more">
              <summary>More</summary>
              <div class="menu">
                {quoteLink}
                {copyLink}
                <a href={`/statuses/${post.id}/edit`}>Edit</a>
                {boostable ? (
                  <Action
                    ctx={ctx}
                    post={shown}
                    action={post.pinned ? "unpin" : "pin"}
                    label={post.pinned ? "Unpin from profile" : "Pin to profile"}
                  />
                ) : (
                  ""
                )}
                {muteAction}
                <a href={`/statuses/${post.id}/delete`} class="danger">
                  Delete
                </a>
                <a href={`/statuses/${post.id}/redraft`} class="danger">
                  Delete &amp; redraft
                </a>
              </div>
            </details>
          ) : (
            <details class="more">
              <summary>More</summary>
              <div class="menu">
                {quoteLink}
                {copyLink}
                {muteAction}
                <a href={`/accounts/${post.account.id}/mute`} safe>
                  {`Mute @${post.account.acct}…`}
                </a>
                <a href={`/accounts/${post.account.id}/block`} class="danger" safe>
                  {`Block @${post.account.acct}…`}
                </a>
                <a href={`/report?account_id=${post.account.id}&status_id=${post.id}`} safe>
                  {`Report @${post.account.acct}`}
                </a>
              </div>
            </details>
          )}
        </footer>
      ) : (
        <footer class="actions counts">
          <span safe>{`${post.counts.replies} replies · ${post.counts.reblogs} boosts · ${post.counts.favourites} likes`}</span>
        </footer>
      )}
    </>
  );
}

/** A list of posts with a "Load more" link that htmx turns into in-place paging. */
export function PostList({ ctx, posts, more, empty }: { ctx: PageContext; posts: PostView[]; more?: string; empty: string }) {
  return (
    <>
      {posts.length === 0 ? (
        <p class="empty" safe>
          {empty}
        </p>
      ) : (
        posts.map((p) => <PostCard ctx={ctx} post={p} />)
      )}
      {more ? (
        <a class="load-more" href={more} hx-get={more} hx-select=".feed > *" hx-target="this" hx-swap="outerHTML">
          Load more
        </a>
      ) : (
        ""
      )}
    </>
  );
}
