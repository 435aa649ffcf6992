// A mail server for tests: it takes every message over plain SMTP on 127.0.0.1 and keeps it,
// as the real one an admin configures would deliver it (smtp-server, by the authors of nodemailer).
import { SMTPServer } from "smtp-server";

export interface Mail {
  to: string[];
  subject: string;
  /** The body, quoted-printable decoded. */
  text: string;
  /** A header's value (unfolded), or "". */
  header(name: string): string;
}

/** A quoted-printable body as text (soft line breaks joined, =XX bytes decoded as UTF-8). */
function decodeQuotedPrintable(body: string): string {
  const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => `%${hex}`);
  try {
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/g, "%25"));
  } catch {
    return bytes;
  }
}

function parse(raw: string, to: string[]): Mail {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(head)?.[1] ?? "";
  const quoted = /quoted-printable/i.test(header("Content-Transfer-Encoding"));
  return { to, subject: header("Subject"), text: quoted ? decodeQuotedPrintable(body) : body, header };
}

export async function startSmtpSink() {
  const mails: Mail[] = [];
  /** Addresses answered "550 no such mailbox", as a server refuses a message for good. */
  const refused = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!refused.has(address.address.toLowerCase())) return callback();
      callback(Object.assign(new Error("No such mailbox"), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        mails.push(
          parse(
            Buffer.concat(chunks).toString("utf8"),
            session.envelope.rcptTo.map((r) => r.address),
          ),
        );
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.server.address() as { port: number }).port)),
  );
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refused,
    /** The first message to this address (with these words in its subject or text), waiting up to `ms` for it. */
    async waitFor(to: string, having = "", ms = 10_000): Promise<Mail> {
      const deadline = Date.now() + ms;
      for (;;) {
        // Addresses compare without case, as mail servers treat them.
        const mail = mails.find(
          (m) =>
            m.to.some((address) => address.toLowerCase() === to.toLowerCase()) &&
            (m.subject.includes(having) || m.text.includes(having)),
        );
        if (mail) return mail;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} in ${ms} ms (got ${mails.length})`);
        await Bun.sleep(25);
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
