/** @jsxImportSource @kitajs/html */
import type { AccountView, PostView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, FormMessage } from "./form.tsx";
import { Layout } from "./layout.tsx";

const categories = [
  ["spam", "Spam: ads, scams, repetitive replies"],
  ["illegal", "Illegal content"],
  ["violation", "It breaks this instance's rules"],
  ["other", "Something else"],
] as const;

/** The form a member fills to report an account and some of its posts. */
export function ReportPage({
  ctx,
  account,
  posts,
  checked = [],
  errors = {},
}: {
  ctx: PageContext;
  account: AccountView;
  posts: PostView[];
  checked?: string[];
  errors?: Record<string, string>;
}) {
  return (
    <Layout title={`Report @${account.acct}`} ctx={ctx}>
      <section class="card" aria-labelledby="report-title">
        <h1 id="report-title" safe>{`Report @${account.acct}`}</h1>
        <p>The moderators of this instance will see your report. The person you report will not know it was you.</p>
        <FormMessage message={Object.values(errors)[0]} />
        <form method="post" action="/reports" class="report-form">
          <CsrfField ctx={ctx} />
          <input type="hidden" name="account_id" value={account.id} />
          <fieldset>
            <legend>Why?</legend>
            {categories.map(([value, label], i) => (
              <div class="check">
                <input type="radio" id={`category-${value}`} name="category" value={value} checked={i === 0} />
                <label for={`category-${value}`}>{label}</label>
              </div>
            ))}
          </fieldset>
          {posts.length > 0 ? (
            <fieldset>
              <legend>Which posts? (optional)</legend>
              {posts.map((p) => {
                const safeContent = p.contentHtml;
                return (
                  <div class="check report-post">
                    <input
                      type="checkbox"
                      id={`status-${p.id}`}
                      name="status_ids"
                      value={p.id}
                      checked={checked.includes(p.id)}
                    />
                    <label for={`status-${p.id}`}>
                      <span class="content">{safeContent}</span>
                    </label>
                  </div>
                );
              })}
            </fieldset>
          ) : (
            ""
          )}
          <div class="field">
            <label for="comment">Anything the moderators should know? (optional)</label>
            <textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea>
          </div>
          {account.domain ? (
            <div class="check">
              <input type="checkbox" id="forward" name="forward" value="1" />
              <label for="forward" safe>{`Also send the report to ${account.domain} (without your name)`}</label>
            </div>
          ) : (
            ""
          )}
          <button type="submit">Send report</button>
        </form>
      </section>
    </Layout>
  );
}

export function ReportSentPage({ ctx, account }: { ctx: PageContext; account: AccountView }) {
  return (
    <Layout title="Report sent" ctx={ctx}>
      <section class="card" aria-labelledby="sent-title">
        <h1 id="sent-title">Thanks for your report</h1>
        <p>The moderators will look at it. You can also mute or block the account so you stop seeing it.</p>
        <p>
          <a href={account.localUrl}>Back to the profile</a>
        </p>
      </section>
    </Layout>
  );
}
