/** @jsxImportSource @kitajs/html */
import type { AccountView, PostView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, FormMessage, PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";

const categories = [
  ["spam", "Spam: ads, scams, repetitive replies"],
  ["illegal", "Illegal content"],
  ["violation", "It breaks this instance's rules"],
  ["other", "Something else"],
] as const;

/** A report's reason as the moderators read it. */
export const categoryNames: Record<(typeof categories)[number][0], string> = {
  spam: "Spam",
  illegal: "Illegal content",
  violation: "Breaks the rules",
  other: "Something else",
};

/** The form a member fills to report an account and some of its posts. */
export function ReportPage({
  ctx,
  account,
  posts,
  rules,
  checked = [],
  values = {},
  errors = {},
}: {
  ctx: PageContext;
  account: AccountView;
  posts: PostView[];
  /** The instance's rules, to say which were broken; without any, no rule can be. */
  rules: { id: string; text: string }[];
  checked?: string[];
  values?: { category?: string; rule_ids?: string[]; comment?: string };
  errors?: Record<string, string>;
}) {
  const offered = rules.length > 0 ? categories : categories.filter(([value]) => value !== "violation");
  // No reason is chosen for the member: one tap must not file a report as spam.
  const category = values.category;
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
            {offered.map(([value, label]) => (
              <div class="check">
                <input
                  type="radio"
                  id={`category-${value}`}
                  name="category"
                  value={value}
                  checked={value === category}
                  required
                />
                <label for={`category-${value}`}>{label}</label>
              </div>
            ))}
          </fieldset>
          {rules.length > 0 ? (
            <fieldset aria-describedby={errors.rule_ids ? "rules-hint rules-error" : "rules-hint"}>
              <legend>Which rules does it break?</legend>
              <p class="hint" id="rules-hint">
                For "It breaks this instance's rules": tick at least one.
              </p>
              {errors.rule_ids ? (
                <p class="error" id="rules-error" safe>
                  {errors.rule_ids}
                </p>
              ) : (
                ""
              )}
              {rules.map((rule, i) => (
                <div class="check">
                  <input
                    type="checkbox"
                    id={`rule-${rule.id}`}
                    name="rule_ids"
                    value={rule.id}
                    checked={values.rule_ids?.includes(rule.id)}
                  />
                  <label for={`rule-${rule.id}`} safe>
                    {`${i + 1}. ${rule.text}`}
                  </label>
                </div>
              ))}
            </fieldset>
          ) : (
            ""
          )}
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
            <textarea id="comment" name="comment" rows="3" maxlength="1000" safe>
              {values.comment ?? ""}
            </textarea>
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

export function ReportSentPage({
  ctx,
  account,
  muting,
  blocking,
}: {
  ctx: PageContext;
  account: AccountView;
  muting: boolean;
  blocking: boolean;
}) {
  return (
    <Layout title="Report sent" ctx={ctx}>
      <section class="card" aria-labelledby="sent-title">
        <h1 id="sent-title">Thanks for your report</h1>
        <p>The moderators will look at it.</p>
        {blocking ? (
          <p safe>{`You have blocked @${account.acct}.`}</p>
        ) : (
          <>
            <p>
              {muting
                ? "You have muted this account. A block also stops them following you and seeing your posts."
                : "Meanwhile you can stop seeing this account: a mute hides their posts; a block also stops them following you and seeing your posts."}
            </p>
            <div class="row">
              {muting ? (
                ""
              ) : (
                <form method="post" action={`/accounts/${account.id}/mute`}>
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="notifications" value="1" />
                  <button type="submit" class="secondary" aria-label={`Mute @${account.acct}`}>
                    Mute
                  </button>
                </form>
              )}
              <PostButton
                ctx={ctx}
                action={`/accounts/${account.id}/block`}
                label="Block"
                kind="secondary danger"
                fullLabel={`Block @${account.acct}`}
              />
            </div>
          </>
        )}
        <p>
          <a href={account.localUrl}>Back to the profile</a>
        </p>
      </section>
    </Layout>
  );
}
