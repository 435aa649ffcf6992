/** @jsxImportSource @kitajs/html */
import type { PageContext } from "../context.ts";
import { Layout } from "../layout.tsx";
import { LoadMore } from "../load-more.tsx";
import { WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

export interface AuditEntry {
  action: string;
  actor: string;
  target: { text: string; href?: string };
  detail: string;
  createdAt: Date;
}

/** The actions in words; one not listed shows its code. */
const actionWords: Record<string, string> = {
  "account.warn": "warned",
  "account.silence": "limited",
  "account.unsilence": "lifted the limit on",
  "account.suspend": "suspended",
  "account.unsuspend": "lifted the suspension of",
  "account.sensitive": "marked the media as sensitive of",
  "account.unsensitive": "unmarked the media of",
  "account.role": "changed the role of",
  "account.password_link": "made a password link for",
  "signup.approve": "approved the sign-up of",
  "signup.reject": "rejected the sign-up of",
  "email.confirm": "confirmed the e-mail address of",
  "report.resolve": "resolved",
  "report.reopen": "reopened",
  "report.assign": "took on",
  "report.unassign": "gave back",
  "report.note": "wrote a note on",
  "account.note": "wrote a note on",
  "account.note_delete": "deleted a note on",
  "post.delete": "deleted",
  "appeal.approve": "approved the appeal of",
  "appeal.reject": "rejected the appeal of",
  "job.run": "ran the job",
  "domain.silence": "limited the domain",
  "domain.suspend": "suspended the domain",
  "domain.noop": "set options on the domain",
  "domain.unblock": "lifted the block on",
  "domain.allow": "allowed the domain",
  "domain.disallow": "took off the allow-list",
  "email_domain.block": "blocked e-mail from",
  "email_domain.unblock": "unblocked e-mail from",
  "ip.sign_up_requires_approval": "made sign-ups wait for a moderator from",
  "ip.sign_up_block": "blocked sign-ups from",
  "ip.update": "changed the rule on",
  "ip.unblock": "lifted the rule on",
  "invite.create": "made",
  "invite.revoke": "revoked",
  "announcement.publish": "published",
  "announcement.unpublish": "unpublished",
  "announcement.delete": "deleted",
  "emoji.add": "added",
  "emoji.update": "changed",
  "emoji.remove": "removed",
  "relay.add": "joined the relay",
  "relay.enable": "turned on the relay",
  "relay.disable": "turned off the relay",
  "relay.remove": "left the relay",
  "trends.hide": "hid from trends",
  "trends.unhide": "showed in trends again",
  "settings.update": "changed the instance settings",
  "registrations.fallback": "switched sign-ups to approval",
};

export function AuditPage({ ctx, entries, older }: { ctx: PageContext; entries: AuditEntry[]; older?: string }) {
  return (
    <Layout title="Audit log" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <h2>Audit log</h2>
      {entries.length === 0 ? <p class="empty">Nothing done yet.</p> : ""}
      <ul class="sessions">
        {entries.map((e) => {
          const words = actionWords[e.action];
          // Settings name themselves in the words: no target after them.
          const target = e.action.startsWith("settings.") || e.action.startsWith("registrations.") ? undefined : e.target;
          return (
            <li>
              <div>
                <span safe>{`${e.actor} ${words ?? e.action} `}</span>
                {target?.href ? (
                  <a href={target.href} safe>
                    {target.text}
                  </a>
                ) : (
                  <span safe>{target?.text ?? ""}</span>
                )}
                <p class="muted">
                  <WithTimes
                    parts={[e.createdAt, e.detail ? ` · ${e.detail.slice(0, 200)}` : "", words ? ` · ${e.action}` : ""]}
                  />
                </p>
              </div>
            </li>
          );
        })}
      </ul>
      <LoadMore href={older} label="Older entries" />
    </Layout>
  );
}
