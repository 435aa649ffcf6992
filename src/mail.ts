import { isIP } from "node:net";
import { getLogger } from "@logtape/logtape";
import { isLoopbackAddress } from "./client-ip.ts";
import type { Config } from "./config.ts";
import type { Mailer } from "./core/mail.ts";

const logger = getLogger(["skein", "mail"]);

/**
 * E-mail through the SMTP server of the configuration: smtps:// speaks TLS from the start;
 * smtp:// must upgrade with STARTTLS (the mail carries password links, and the login the server's
 * password), except to a server on this machine. Each message goes on its own connection, within
 * 30 seconds; a tiny instance sends a handful a day.
 */
export function smtpMailer(mail: NonNullable<Config["mail"]>): Mailer {
  const url = new URL(mail.smtpUrl);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const local = host === "localhost" || (isIP(host) !== 0 && isLoopbackAddress(host));
  // Loaded with the first message: most instances send few or none, and it is a large library.
  const connect = async () =>
    (await import("nodemailer")).default.createTransport(
      {
        url: mail.smtpUrl,
        requireTLS: url.protocol === "smtp:" && !local,
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 30_000,
      },
      { from: mail.from },
    );
  let transport: ReturnType<typeof connect> | undefined;
  return {
    async send(message) {
      transport ??= connect();
      // The address as one address, never read as a list of them.
      const info = await (await transport).sendMail({ ...message, to: { name: "", address: message.to } });
      logger.info("Sent an e-mail ({subject}) to {to}", { subject: message.subject, to: info.accepted.join(", ") });
    },
  };
}
