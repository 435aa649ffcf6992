/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PageContext } from "../../views/context.ts";
import { type AppealError, SuspendedPage, WarningsPage } from "../../views/warnings.tsx";
import { fileAppeal, warningRecords } from "../core/appeals.ts";
import { suspendedAccountOf } from "../core/sessions.ts";
import { ValidationError } from "../core/errors.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";
import { readTicket, signTicket } from "./tickets.ts";

const csrf = t.Optional(t.String());
const appealText = t.String({ maxLength: 5000 });
/** What a suspended member's ticket allows (web/tickets.ts). */
const TICKET_PURPOSE = "appeal";

/**
 * What a suspended member sees after their password (and code): the moderators' notes and the
 * appeal form, with a ticket that stands in for the password for an hour (never renewed: a
 * refused appeal's page carries the same expiry).
 */
export function suspendedPage(
  deps: WebDeps,
  ctx: PageContext,
  member: { userId: string; accountId: string; expiresAt?: number },
  state: { error?: AppealError; notice?: string } = {},
) {
  return (
    <SuspendedPage
      ctx={ctx}
      records={warningRecords(deps.db, member.accountId)}
      ticket={signTicket(deps.secret, TICKET_PURPOSE, member.userId, member.expiresAt)}
      {...state}
    />
  );
}

/** A refused appeal, shown next to its form with the words typed. */
function refusal(error: unknown, warningId: string, text: string): AppealError {
  if (!(error instanceof ValidationError)) throw error;
  return { warningId, text, message: error.fields.text ?? error.message };
}

/** A member's notes from the moderators and their appeals: signed in, or suspended with a ticket. */
export function warningRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const answered = "Your appeal is sent. The moderators answer by e-mail and on this page.";
  return new Elysia({ name: "warnings" })
    .use(page)
    .get(
      "/settings/warnings",
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/warnings"), 303);
        const notice = query.appealed ? answered : undefined;
        return <WarningsPage ctx={ctx} records={warningRecords(db, viewer.account.id)} notice={notice} />;
      },
      { query: t.Object({ appealed: t.Optional(t.String({ maxLength: 1 })) }) },
    )
    .post(
      "/settings/warnings/:id/appeal",
      ({ viewer, ctx, params, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/warnings"), 303);
        try {
          fileAppeal(deps, viewer.account.id, params.id, body.text);
        } catch (e) {
          const error = refusal(e, params.id, body.text);
          set.status = 422;
          return (
            <WarningsPage
              ctx={{ ...ctx, path: "/settings/warnings" }}
              records={warningRecords(db, viewer.account.id)}
              error={error}
            />
          );
        }
        return redirect("/settings/warnings?appealed=1", 303);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Object({ _csrf: csrf, text: appealText }) },
    )
    .post(
      "/login/appeal",
      ({ ctx, body, set, redirect }) => {
        const ticket = readTicket(deps.secret, TICKET_PURPOSE, body.ticket);
        const accountId = ticket && suspendedAccountOf(db, ticket.subject);
        // An expired ticket, or a suspension lifted meanwhile: the login page says what is next.
        if (!ticket || !accountId) return redirect("/login", 303);
        const member = { userId: ticket.subject, accountId, expiresAt: ticket.expiresAt };
        try {
          fileAppeal(deps, accountId, body.warning_id, body.text);
        } catch (e) {
          set.status = 422;
          return suspendedPage(deps, ctx, member, { error: refusal(e, body.warning_id, body.text) });
        }
        const notice = "Your appeal is sent. The moderators answer by e-mail, and logging in shows their answer here.";
        return suspendedPage(deps, ctx, member, { notice });
      },
      {
        body: t.Object({
          _csrf: csrf,
          ticket: t.String({ maxLength: 500 }),
          warning_id: t.String({ maxLength: 64 }),
          text: appealText,
        }),
      },
    );
}
