/** @jsxImportSource @kitajs/html */
import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { UnsubscribePage } from "../../views/unsubscribe.tsx";
import { setNotificationMail } from "../core/notification-mail.ts";
import { users } from "../db/schema.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { readTicket, signTicket } from "./tickets.ts";

const PURPOSE = "unsubscribe-notifications";
/** An e-mail's link keeps working for a year: people find old e-mails. */
const LINK_DAYS = 365;

/** The link in a notification e-mail that stops them, signed for that member. */
export const unsubscribeUrl = (secret: string, baseUrl: URL) => (userId: string) =>
  new URL(`/unsubscribe?token=${signTicket(secret, PURPOSE, userId, Date.now() + LINK_DAYS * 86_400_000)}`, baseUrl).href;

/**
 * `/unsubscribe`: the link is the member's authority (no login, no CSRF token: a mail program's
 * one-click unsubscribe posts to it as it is, RFC 8058). Only notification e-mails stop.
 */
export function unsubscribeRoutes(deps: WebDeps, page: PagePlugin) {
  const member = (token: string) => {
    const ticket = readTicket(deps.secret, PURPOSE, token);
    return ticket && deps.db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, ticket.subject)).get();
  };
  const query = t.Object({ token: t.String({ maxLength: 300 }) });
  const again = (token: string) => `/unsubscribe?token=${encodeURIComponent(token)}`;
  return new Elysia({ name: "unsubscribe" })
    .use(page)
    .get(
      "/unsubscribe",
      ({ ctx, query, set }) => {
        const user = member(query.token);
        if (!user) set.status = 404;
        return <UnsubscribePage ctx={ctx} action={again(query.token)} email={user?.email} state={user ? "ask" : "invalid"} />;
      },
      { query },
    )
    .post(
      "/unsubscribe",
      ({ ctx, query, set }) => {
        const user = member(query.token);
        if (!user) {
          set.status = 404;
          return <UnsubscribePage ctx={ctx} action={again(query.token)} state="invalid" />;
        }
        setNotificationMail(deps.db, user.id, []);
        return <UnsubscribePage ctx={ctx} action={again(query.token)} email={user.email} state="done" />;
      },
      { query },
    );
}
