/** @jsxImportSource @kitajs/html */
import type { Filter } from "../src/core/filters.ts";
import { type FeaturedTagView, MAX_FEATURED_TAGS } from "../src/core/featured-tags.ts";
import type { TagInfo } from "../src/core/followed-tags.ts";
import { filterContexts } from "../src/db/schema.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage, PostButton } from "./form.tsx";
import { SettingsFrame } from "./settings.tsx";
import { localLabel, LongTime } from "./time.tsx";

const contextLabels = {
  home: "Home timeline",
  notifications: "Notifications",
  public: "Public timelines and hashtags",
  thread: "Conversations",
  account: "Profiles",
} as const;

const expiryChoices: [string, string][] = [
  ["", "Never"],
  ["1800", "30 minutes"],
  ["3600", "1 hour"],
  ["21600", "6 hours"],
  ["43200", "12 hours"],
  ["86400", "1 day"],
  ["604800", "1 week"],
];

/** What the filter form shows: the member's input, or a filter's current state. */
export interface FilterFormValues {
  title: string;
  context: string[];
  filter_action: string;
  /** Seconds, "" for never, "keep" for an existing filter's expiry left as it is. */
  expires_in: string;
  keywords: string;
  whole_word: boolean;
}

export const blankFilter: FilterFormValues = {
  title: "",
  context: ["home", "notifications", "public", "thread", "account"],
  filter_action: "warn",
  expires_in: "",
  keywords: "",
  whole_word: true,
};

export function filterValues(f: Filter): FilterFormValues {
  return {
    title: f.title,
    context: f.context,
    filter_action: f.filterAction,
    expires_in: f.expiresAt ? "keep" : "",
    keywords: f.keywords.map((k) => k.keyword).join("\n"),
    whole_word: f.keywords.every((k) => k.wholeWord),
  };
}

/** The member's filters, and a form for a new one. */
export function FiltersPage({
  ctx,
  filters,
  values = blankFilter,
  errors = {},
  message,
}: {
  ctx: PageContext;
  filters: Filter[];
  values?: FilterFormValues;
  errors?: Record<string, string>;
  message?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Filters">
      <FormMessage message={message} kind="success" />
      <p>
        Posts with these words are folded away behind a warning, left out entirely, or shown with their pictures folded, where you
        choose. Your own posts are never filtered.
      </p>
      {filters.length === 0 ? <p class="empty">You have no filters yet.</p> : ""}
      {filters.map((f) => (
        <FilterSummary ctx={ctx} filter={f} />
      ))}
      <section class="card" aria-labelledby="new-filter-title">
        <h2 id="new-filter-title">Add a filter</h2>
        <FilterForm ctx={ctx} action="/settings/filters" values={values} errors={errors} submit="Add filter" />
      </section>
    </SettingsFrame>
  );
}

function FilterSummary({ ctx, filter: f }: { ctx: PageContext; filter: Filter }) {
  const expired = f.expiresAt !== null && f.expiresAt <= new Date();
  return (
    <section class="card filter-summary" aria-labelledby={`filter-${f.id}`}>
      <h2 id={`filter-${f.id}`} safe>
        {f.title}
      </h2>
      <p class="muted" safe>
        {[
          f.filterAction === "hide" ? "Hides posts" : "Folds posts behind a warning",
          `in ${f.context.map((c) => contextLabels[c].toLowerCase()).join(", ")}`,
        ].join(" ")}
      </p>
      <p class="muted">
        {f.expiresAt ? (
          <span>
            {expired ? "Expired" : "Expires"} <LongTime date={f.expiresAt} />
          </span>
        ) : (
          "Never expires"
        )}
      </p>
      <p>
        {f.keywords.map((k) => (
          <span class="tag-label" safe>
            {k.wholeWord ? k.keyword : `…${k.keyword}…`}
          </span>
        ))}
        {f.statuses.length > 0 ? (
          <span class="tag-label" safe>
            {f.statuses.length === 1 ? "1 post" : `${f.statuses.length} posts`}
          </span>
        ) : (
          ""
        )}
      </p>
      <div class="relation-actions">
        <a href={`/settings/filters/${f.id}/edit`} class="button secondary">
          Edit<span class="visually-hidden" safe>{` ${f.title}`}</span>
        </a>
        <form method="post" action={`/settings/filters/${f.id}/delete`}>
          <CsrfField ctx={ctx} />
          <button type="submit" class="secondary danger">
            Delete<span class="visually-hidden" safe>{` ${f.title}`}</span>
          </button>
        </form>
      </div>
    </section>
  );
}

/** Editing one filter, with the single posts it names. */
export function FilterEditPage({
  ctx,
  filter,
  values,
  posts,
  errors = {},
}: {
  ctx: PageContext;
  filter: Filter;
  values: FilterFormValues;
  /** The single posts the filter names (by the filter_statuses id), as far as the member still sees them. */
  posts: { id: string; url: string; excerpt: string }[];
  errors?: Record<string, string>;
}) {
  return (
    <SettingsFrame ctx={ctx} title={`Edit filter ${filter.title}`}>
      <p>
        <a href="/settings/filters">Back to your filters</a>
      </p>
      <section class="card" aria-labelledby="edit-filter-title">
        <h2 id="edit-filter-title" safe>{`Edit “${filter.title}”`}</h2>
        <FilterForm
          ctx={ctx}
          action={`/settings/filters/${filter.id}`}
          values={values}
          errors={errors}
          submit="Save filter"
          expiresAt={filter.expiresAt}
        />
      </section>
      {posts.length > 0 ? (
        <section class="card" aria-labelledby="filter-posts-title">
          <h2 id="filter-posts-title">Single posts</h2>
          <ul class="sessions">
            {posts.map((p) => (
              <li>
                <a href={p.url} safe>
                  {p.excerpt}
                </a>
                <PostButton ctx={ctx} action={`/settings/filters/statuses/${p.id}/delete`} label="Remove" kind="secondary" />
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
    </SettingsFrame>
  );
}

function FilterForm({
  ctx,
  action,
  values,
  errors,
  submit,
  expiresAt,
}: {
  ctx: PageContext;
  action: string;
  values: FilterFormValues;
  errors: Record<string, string>;
  submit: string;
  expiresAt?: Date | null;
}) {
  const kept = expiresAt ? localLabel("As it is (%s)", expiresAt) : undefined;
  return (
    <form method="post" action={action} novalidate>
      <CsrfField ctx={ctx} />
      <Field name="title" label="Title" value={values.title} maxlength={200} error={errors.title} />
      <Field
        name="keywords"
        label="Keywords"
        multiline
        rows={4}
        required={false}
        value={values.keywords}
        hint="One word or phrase per line. Capitals do not matter."
        error={errors.keywords}
      />
      <div class="check">
        <input
          type="checkbox"
          id="whole_word"
          name="whole_word"
          value="1"
          checked={values.whole_word}
          aria-describedby="whole_word-hint"
        />
        <label for="whole_word">Whole words only</label>
        <p class="hint" id="whole_word-hint">
          Then “cat” matches “Cat!” but not “category”. Applies to every keyword of this filter.
        </p>
      </div>
      <fieldset aria-describedby={errors.context ? "context-error" : undefined}>
        <legend>Where it applies</legend>
        {filterContexts.map((c) => (
          <div class="check">
            <input type="checkbox" id={`context_${c}`} name="context" value={c} checked={values.context.includes(c)} />
            <label for={`context_${c}`}>{contextLabels[c]}</label>
          </div>
        ))}
        {errors.context ? (
          <p class="error" id="context-error" safe>
            {errors.context}
          </p>
        ) : (
          ""
        )}
      </fieldset>
      <fieldset>
        <legend>What it does</legend>
        <div class="check">
          <input
            type="radio"
            id="filter_action_warn"
            name="filter_action"
            value="warn"
            checked={values.filter_action !== "hide" && values.filter_action !== "blur"}
          />
          <label for="filter_action_warn">Fold the post behind a warning naming this filter</label>
        </div>
        <div class="check">
          <input
            type="radio"
            id="filter_action_hide"
            name="filter_action"
            value="hide"
            checked={values.filter_action === "hide"}
          />
          <label for="filter_action_hide">Hide the post completely</label>
        </div>
        <div class="check">
          <input
            type="radio"
            id="filter_action_blur"
            name="filter_action"
            value="blur"
            checked={values.filter_action === "blur"}
          />
          <label for="filter_action_blur">Show the post, with its pictures folded behind a warning</label>
        </div>
      </fieldset>
      <div class={errors.expires_in ? "field invalid" : "field"}>
        <label for="expires_in">Expires after</label>
        <select id="expires_in" name="expires_in">
          {kept ? (
            <option
              value="keep"
              selected={values.expires_in === "keep"}
              data-local-label={kept.label}
              data-local-at={kept.at}
              safe
            >
              {kept.text}
            </option>
          ) : (
            ""
          )}
          {expiryChoices.map(([value, label]) => (
            <option value={value} selected={values.expires_in === value} safe>
              {label}
            </option>
          ))}
        </select>
        {errors.expires_in ? (
          <p class="error" safe>
            {errors.expires_in}
          </p>
        ) : (
          ""
        )}
      </div>
      <button type="submit" safe>
        {submit}
      </button>
    </form>
  );
}

/** The hashtags the member follows, and a form to follow one more. */
export function FollowedTagsPage({
  ctx,
  tags,
  featured,
  suggestions,
  errors = {},
  value = "",
  featuredValue = "",
}: {
  ctx: PageContext;
  tags: TagInfo[];
  featured: FeaturedTagView[];
  /** The member's most used hashtags not featured yet. */
  suggestions: TagInfo[];
  errors?: Record<string, string>;
  value?: string;
  featuredValue?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Hashtags">
      <h2>Followed hashtags</h2>
      <p>Public posts with a hashtag you follow appear in your home timeline, whoever wrote them.</p>
      {tags.length === 0 ? <p class="empty">You follow no hashtags yet.</p> : ""}
      <ul class="sessions">
        {tags.map((tag) => (
          <li>
            <a href={`/tags/${encodeURIComponent(tag.name)}`} safe>{`#${tag.display}`}</a>
            <PostButton
              ctx={ctx}
              action={`/tags/${encodeURIComponent(tag.name)}/unfollow`}
              label={`Unfollow #${tag.display}`}
              kind="secondary"
            />
          </li>
        ))}
      </ul>
      <form method="post" action="/settings/tags" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <Field name="name" label="Follow a hashtag" value={value} maxlength={100} hint="Like #knitting" error={errors.name} />
        <button type="submit">Follow</button>
      </form>
      <h2 id="featured">Featured on your profile</h2>
      <p>{`Up to ${MAX_FEATURED_TAGS} hashtags shown on your profile, each with how many of your public posts carry it and a link to them.`}</p>
      {featured.length === 0 ? <p class="empty">You feature no hashtags yet.</p> : ""}
      <ul class="sessions">
        {featured.map((f) => (
          <li>
            <a href={`/tags/${encodeURIComponent(f.name)}`} safe>{`#${f.display}`}</a>
            <span class="muted" safe>
              {`${f.posts} ${f.posts === 1 ? "post" : "posts"}`}
            </span>
            <PostButton
              ctx={ctx}
              action={`/tags/${encodeURIComponent(f.name)}/unfeature`}
              label={`Stop featuring #${f.display}`}
              kind="secondary"
            />
          </li>
        ))}
      </ul>
      <form method="post" action="/settings/tags/featured" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <Field
          name="featured_name"
          label="Feature a hashtag"
          value={featuredValue}
          maxlength={100}
          hint="Like #knitting"
          error={errors.featured_name}
        />
        <button type="submit">Feature</button>
      </form>
      {suggestions.length > 0 ? (
        <section aria-labelledby="suggested-title">
          <h3 id="suggested-title">Hashtags you use most</h3>
          <ul class="tag-suggestions">
            {suggestions.map((tag) => (
              <li>
                <PostButton
                  ctx={ctx}
                  action={`/tags/${encodeURIComponent(tag.name)}/feature`}
                  label={`Feature #${tag.display}`}
                  kind="secondary"
                />
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
    </SettingsFrame>
  );
}
