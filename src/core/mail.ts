/** Sends e-mail for the instance (src/mail.ts, over the SMTP server the admin configured). */
export interface Mailer {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}
