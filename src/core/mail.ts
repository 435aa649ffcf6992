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

/** Someone's own words in an e-mail, marked as a quote and cut short, so they cannot pass for the instance's. */
export const quoted = (text: string) =>
  (text.length > 500 ? `${text.slice(0, 499)}…` : text).split(/\r?\n/).map((line) => `> ${line}`);
