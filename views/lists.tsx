/** @jsxImportSource @kitajs/html */
import { LIST_TITLE_MAX } from "../src/core/lists.ts";
import type { AccountView } from "../src/core/views.ts";
import type { ListRepliesPolicy } from "../src/db/schema.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { AccountLine } from "./profile.tsx";

export interface ListSummary {
  id: string;
  title: string;
  repliesPolicy: ListRepliesPolicy;
  exclusive: boolean;
  members: number;
}

const policies: [ListRepliesPolicy, string][] = [
  ["list", "Replies to members of the list"],
  ["followed", "Replies to anyone you follow"],
  ["none", "No replies to others"],
];

/** The member's lists and a form for a new one. */
export function ListsPage({
  ctx,
  lists,
  errors = {},
  title = "",
}: {
  ctx: PageContext;
  lists: ListSummary[];
  errors?: Record<string, string>;
  title?: string;
}) {
  return (
    <Layout title="Lists" ctx={ctx}>
      <h1>Lists</h1>
      <p class="lead">Group people you follow and read their posts in a timeline of their own. Only you see your lists.</p>
      <ul class="account-list">
        {lists.length === 0 ? <li class="empty">No lists yet.</li> : ""}
        {lists.map((l) => (
          <li>
            <a href={`/lists/${l.id}`} class="grow list-title">
              <strong safe>{l.title}</strong>
              <span class="handle" safe>
                {`${l.members === 1 ? "1 person" : `${l.members} people`}${l.exclusive ? " · hidden from home" : ""}`}
              </span>
            </a>
            <a href={`/lists/${l.id}/edit`} class="button secondary" aria-label={`Edit ${l.title}`}>
              Edit
            </a>
          </li>
        ))}
      </ul>
      <form method="post" action="/lists" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>New list</h2>
        <Field name="title" label="Title" value={title} maxlength={LIST_TITLE_MAX} error={errors.title} />
        <button type="submit">Create the list</button>
      </form>
    </Layout>
  );
}

/** Swaps of the members and the add form replace this region only (the forms work without it too). */
const swap = { "hx-target": "#list-accounts", "hx-select": "#list-accounts", "hx-swap": "outerHTML" };

function MemberRow({ ctx, listId, account, q }: { ctx: PageContext; listId: string; account: AccountView; q: string }) {
  return (
    <li>
      <AccountLine account={account} />
      <form
        method="post"
        action={`/lists/${listId}/accounts/${account.id}/remove`}
        hx-post={`/lists/${listId}/accounts/${account.id}/remove`}
        {...swap}
      >
        <CsrfField ctx={ctx} />
        <input type="hidden" name="q" value={q} />
        <button type="submit" class="secondary" aria-label={`Remove @${account.acct} from the list`}>
          Remove
        </button>
      </form>
    </li>
  );
}

export interface ListEditProps {
  ctx: PageContext;
  list: ListSummary;
  members: AccountView[];
  /** The search in people one follows, and what it found. */
  q: string;
  candidates: AccountView[];
  errors?: Record<string, string>;
  values?: { title: string; repliesPolicy: string; exclusive: boolean };
  saved?: boolean;
}

/** A list's settings, its members with remove buttons, and a search among followed people to add. */
export function ListEditPage(p: ListEditProps) {
  const { ctx, list } = p;
  const errors = p.errors ?? {};
  const values = p.values ?? list;
  const base = `/lists/${list.id}`;
  return (
    <Layout title={`Edit ${list.title}`} ctx={ctx}>
      <p class="breadcrumb">
        <a href="/lists">Lists</a> ›{" "}
        <a href={base} safe>
          {list.title}
        </a>
      </p>
      <h1 safe>{`Edit ${list.title}`}</h1>
      <form method="post" action={base} class="card" novalidate>
        <CsrfField ctx={ctx} />
        {p.saved ? <FormMessage kind="success" message="Saved." /> : ""}
        <Field name="title" label="Title" value={values.title} maxlength={LIST_TITLE_MAX} error={errors.title} />
        <fieldset>
          <legend>Which replies to show</legend>
          {policies.map(([value, label]) => (
            <div class="check">
              <input
                type="radio"
                id={`replies_policy-${value}`}
                name="replies_policy"
                value={value}
                checked={values.repliesPolicy === value}
              />
              <label for={`replies_policy-${value}`} safe>
                {label}
              </label>
            </div>
          ))}
          {errors.replies_policy ? (
            <p class="error" safe>
              {errors.replies_policy}
            </p>
          ) : (
            ""
          )}
        </fieldset>
        <div class="check">
          <input
            type="checkbox"
            id="exclusive"
            name="exclusive"
            value="1"
            checked={values.exclusive}
            aria-describedby="exclusive-hint"
          />
          <label for="exclusive">Hide these people's posts from the home timeline</label>
          <p class="hint" id="exclusive-hint">
            Their posts then appear only in this list.
          </p>
        </div>
        <div class="row">
          <button type="submit">Save</button>
          <a href={`${base}/delete`} class="danger">
            Delete this list
          </a>
        </div>
      </form>
      <div id="list-accounts">
        <section class="card" aria-labelledby="members-title">
          <h2 id="members-title" safe>
            {`People in this list (${p.members.length})`}
          </h2>
          {errors.account_ids ? <FormMessage message={errors.account_ids} /> : ""}
          <ul class="account-list">
            {p.members.length === 0 ? <li class="empty">Nobody yet. Add people you follow below.</li> : ""}
            {p.members.map((a) => (
              <MemberRow ctx={ctx} listId={list.id} account={a} q={p.q} />
            ))}
          </ul>
        </section>
        <section class="card" aria-labelledby="add-title">
          <h2 id="add-title">Add people you follow</h2>
          <form method="get" action={`${base}/edit`} class="search-form" role="search" hx-get={`${base}/edit`} {...swap}>
            <label for="q" class="visually-hidden">
              Search among people you follow
            </label>
            <input type="search" id="q" name="q" value={p.q} maxlength="100" placeholder="Name or handle" />
            <button type="submit" class="secondary">
              Search
            </button>
          </form>
          {p.q && p.candidates.length === 0 ? (
            <p class="muted" safe>{`Nobody you follow matches “${p.q}” (or they are in the list already).`}</p>
          ) : (
            ""
          )}
          <ul class="account-list">
            {p.candidates.map((a) => (
              <li>
                <AccountLine account={a} />
                <form method="post" action={`${base}/accounts`} hx-post={`${base}/accounts`} {...swap}>
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="account_id" value={a.id} />
                  <input type="hidden" name="q" value={p.q} />
                  <button type="submit" aria-label={`Add @${a.acct} to the list`}>
                    Add
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </Layout>
  );
}

export function ListDeletePage({ ctx, list }: { ctx: PageContext; list: ListSummary }) {
  return (
    <Layout title={`Delete ${list.title}`} ctx={ctx}>
      <section class="card" aria-labelledby="delete-title">
        <h1 id="delete-title" safe>{`Delete the list “${list.title}”?`}</h1>
        <p>The list goes, with its timeline. The people in it stay followed. This cannot be undone.</p>
        <form method="post" action={`/lists/${list.id}/delete`} class="row">
          <CsrfField ctx={ctx} />
          <button type="submit" class="danger">
            Delete
          </button>
          <a href={`/lists/${list.id}/edit`}>Keep it</a>
        </form>
      </section>
    </Layout>
  );
}

/** On the profile of someone one follows: the lists they are in, and a way to add them to another. */
export function ListPicker({
  ctx,
  accountId,
  inLists,
  otherLists,
}: {
  ctx: PageContext;
  accountId: string;
  inLists: { id: string; title: string }[];
  otherLists: { id: string; title: string }[];
}) {
  if (inLists.length === 0 && otherLists.length === 0) return "";
  return (
    <div class="list-picker">
      {inLists.length > 0 ? (
        <p class="muted">
          In your lists:{" "}
          {inLists.map((l, i) => (
            <>
              {i > 0 ? ", " : ""}
              <a href={`/lists/${l.id}`} safe>
                {l.title}
              </a>
            </>
          ))}
        </p>
      ) : (
        ""
      )}
      {otherLists.length > 0 ? (
        <form method="post" action={`/accounts/${accountId}/lists`} class="row">
          <CsrfField ctx={ctx} />
          <label for="list_id">Add to list</label>
          <select id="list_id" name="list_id">
            {otherLists.map((l) => (
              <option value={l.id} safe>
                {l.title}
              </option>
            ))}
          </select>
          <button type="submit" class="secondary">
            Add
          </button>
        </form>
      ) : (
        ""
      )}
    </div>
  );
}
