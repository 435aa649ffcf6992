import type { CoreDeps } from "./deps.ts";

/** Sends e-mail for the instance (src/mail.ts, over the SMTP server the admin configured). */
export interface Mailer {
  send(message: { to: string; subject: string; text: string; headers?: Record<string, string> }): Promise<void>;
}

/** What the functions that e-mail members and staff need; a failed send is logged, never thrown. */
export type MailDeps = Pick<CoreDeps, "db" | "events" | "baseUrl"> & {
  mailer?: Mailer;
  onMailFailure: (error: unknown) => void;
};

/**
 * Whether a send failed for good: the SMTP server refused this address or this message with a
 * 5xx answer (no such mailbox, refused as spam), which sending it again will not change. Anything
 * else may pass another time: no connection, a 4xx "try later", and 5xx answers about the
 * instance's own settings (its login, its sender address), which the admin can fix.
 */
export const refusedForGood = (error: unknown): boolean => {
  const { responseCode, command } = (error ?? {}) as { responseCode?: unknown; command?: unknown };
  const permanent = typeof responseCode === "number" && responseCode >= 500 && responseCode < 600;
  return permanent && (command === "RCPT TO" || command === "DATA");
};

/**
 * Someone's own words in an e-mail, marked as a quote and cut short, so they cannot pass for the
 * instance's: every kind of line break starts a quoted line (a lone CR would be sent as a line
 * break of its own), and other control characters go.
 */
export const quoted = (text: string) =>
  (text.length > 500 ? `${text.slice(0, 499)}…` : text)
    .split(/\r\n?|[\n\u000b\u000c\u0085\u2028\u2029]/)
    .map((line) => `> ${line.replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g, "")}`);
