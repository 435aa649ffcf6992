import { getLogger } from "@logtape/logtape";
import nodemailer from "nodemailer";
import type { Config } from "./config.ts";
import type { Mailer } from "./core/mail.ts";

const logger = getLogger(["skein", "mail"]);

/**
 * E-mail through the SMTP server of the configuration: smtp:// upgrades with STARTTLS when the
 * server offers it, smtps:// speaks TLS from the start. Each message is sent on its own
 * connection, within 30 seconds; a tiny instance sends a handful a day.
 */
export function smtpMailer(mail: NonNullable<Config["mail"]>): Mailer {
  const transport = nodemailer.createTransport(
    { url: mail.smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 },
    { from: mail.from },
  );
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      logger.info("Sent an e-mail ({subject}) to {to}", { subject: message.subject, to: info.accepted.join(", ") });
    },
  };
}
