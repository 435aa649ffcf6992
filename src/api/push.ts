import { eq, sql } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { pushSubscriptions } from "../db/schema.ts";
import {
  type PushSubscriptionInput,
  type PushSubscriptionRow,
  pushAlerts,
  pushSubscriptionOf,
  subscribePush,
  unsubscribePush,
  updatePushSubscription,
  vapidKeys,
} from "../core/push.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { flag, nested } from "./params.ts";

/** The parameters arrive as JSON or as form fields named `subscription[keys][auth]`, `data[alerts][mention]`. */
const loose = t.Object({}, { additionalProperties: true, maxProperties: 30 });

type Params = Record<string, unknown>;
const part = (value: unknown): Params => (value !== null && typeof value === "object" ? (value as Params) : {});

function settingsFrom(body: Params): Pick<PushSubscriptionInput, "alerts" | "policy"> {
  const data = part(nested(body).data);
  const given = part(data.alerts);
  return {
    alerts: Object.fromEntries(pushAlerts.map((a) => [a, flag(given[a]) === true])),
    policy: data.policy,
  };
}

/** The WebPushSubscription entity; its id an integer, as Mastodon's, which Android apps decode so (Tusky). */
function entity(db: ApiDeps["db"], row: PushSubscriptionRow, serverKey: string) {
  const number = db
    .select({ n: sql<number>`${pushSubscriptions}.rowid` })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.id, row.id))
    .get()?.n;
  return {
    id: number ?? 0,
    endpoint: row.endpoint,
    standard: row.standard,
    alerts: row.alerts,
    policy: row.policy,
    server_key: serverKey,
  };
}

/** Web Push: each access token may have one subscription, which gets its member's notifications. */
export function pushApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db } = deps;
  const serverKey = () => vapidKeys(db).publicKey;
  return new Elysia({ name: "api-push" })
    .use(api)
    .post(
      "/api/v1/push/subscription",
      ({ member, bearer, body }) => {
        const m = member("push");
        const subscription = part(nested(body).subscription);
        const keys = part(subscription.keys);
        const row = subscribePush(
          db,
          { tokenId: m.tokenId, accountId: m.account.id, accessToken: bearer as string },
          {
            endpoint: subscription.endpoint,
            p256dh: keys.p256dh,
            auth: keys.auth,
            standard: flag(subscription.standard) === true,
            ...settingsFrom(body),
          },
        );
        return entity(db, row, serverKey());
      },
      { body: loose },
    )
    .get("/api/v1/push/subscription", ({ member }) => entity(db, pushSubscriptionOf(db, member("push").tokenId), serverKey()))
    .put(
      "/api/v1/push/subscription",
      ({ member, body }) => entity(db, updatePushSubscription(db, member("push").tokenId, settingsFrom(body)), serverKey()),
      { body: loose },
    )
    .delete("/api/v1/push/subscription", ({ member }) => {
      unsubscribePush(db, member("push").tokenId);
      return {};
    });
}
