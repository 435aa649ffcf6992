// The relays page: admins add a relay by its inbox address, leave it, join it again, remove it.
// What goes over the network is in federation-relays.test.ts; here, what the page accepts and
// refuses, the states a relay's answers lead to, and the audit log.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { blockDomain } from "../src/core/domain-blocks.ts";
import { recordDeliveryFailure } from "../src/core/delivery.ts";
import { isJoinedRelay, joinedRelays, relayAnswered } from "../src/core/relays.ts";
import { auditLog, relays } from "../src/db/schema.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";

// argon2 at each sign-in.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["olga", "ada"]);
const { db } = t.deps;
const relayRow = (inboxUrl: string) => db.select().from(relays).where(eq(relays.inboxUrl, inboxUrl)).get();

test("bad addresses are refused next to the field and change nothing", async () => {
  const olga = m("olga").browser;
  blockDomain(t.deps, m("olga").id, {
    domain: "evil.example",
    severity: "suspend",
    publicComment: "",
    privateComment: "",
    obfuscate: false,
    rejectMedia: false,
    rejectReports: false,
  });
  const cases: [string, string][] = [
    ["", "Enter the relay&#x27;s inbox address"],
    ["relay.example/inbox", "This is not a web address."],
    ["http://relay.example/inbox", "A relay is reached over https."],
    ["https://user:secret@relay.example/inbox", "may not carry a user name or password"],
    ["https://social.example/inbox", "This is this server&#x27;s own address."],
    ["https://relay.evil.example/inbox", "relay.evil.example is blocked here"],
    [`https://relay.example/${"a".repeat(2100)}`, "The address is longer than 2000 characters."],
  ];
  for (const [inbox_url, message] of cases) {
    const answer = await olga.post("/admin/relays", { inbox_url });
    expect(answer.status).toBe(422);
    const page = await answer.text();
    expect(page).toContain(message);
    expect(page).toContain('aria-invalid="true"');
  }
  expect(db.select().from(relays).all()).toEqual([]);
  // A member who is not an admin cannot add one.
  expect((await m("ada").browser.post("/admin/relays", { inbox_url: "https://relay.example/inbox" })).status).toBe(403);
});

test("a relay added waits for its answer; only its own server's Accept of the latest Follow joins it", async () => {
  const olga = m("olga").browser;
  expect((await olga.post("/admin/relays", { inbox_url: " https://relay.example/inbox#x " })).status).toBe(303);
  const first = relayRow("https://relay.example/inbox");
  expect(first?.state).toBe("pending");
  expect(first?.followUri).toStartWith(`${origin}/relays/${first?.id}#follow-`);
  expect(await (await olga.get("/admin/relays")).text()).toContain("Waiting for the relay to accept");
  const again = await olga.post("/admin/relays", { inbox_url: "https://relay.example/inbox" });
  expect(again.status).toBe(422);
  expect(await again.text()).toContain("This relay is in the list already.");

  const followUri = first?.followUri ?? "";
  // An Accept from another server names the Follow but joins nothing.
  expect(relayAnswered(db, followUri, "https://elsewhere.example/actor", true)).toBe(true);
  expect(relayRow("https://relay.example/inbox")?.state).toBe("pending");
  // An answer to a Follow that is not a relay's is left to the follows.
  expect(relayAnswered(db, `${origin}/follows/other`, "https://relay.example/actor", true)).toBe(false);
  expect(relayAnswered(db, followUri, "https://relay.example/actor", true)).toBe(true);
  expect(relayRow("https://relay.example/inbox")?.state).toBe("accepted");
  expect(isJoinedRelay(db, "https://relay.example/actor")).toBe(true);
  expect(await (await olga.get("/admin/relays")).text()).toContain("Joined · since");

  // Failing deliveries show, with what the relay answered.
  recordDeliveryFailure(db, "https://relay.example/inbox", "HTTP 502: Bad Gateway");
  expect(await (await olga.get("/admin/relays")).text()).toContain("Deliveries to it fail (1 in a row): HTTP 502: Bad Gateway");

  // Left: the old Follow's late Accept does not join it again; joining again asks with a new one.
  const id = first?.id ?? "";
  expect((await olga.post(`/admin/relays/${id}/leave`, {})).status).toBe(303);
  expect(relayRow("https://relay.example/inbox")?.state).toBe("idle");
  expect(isJoinedRelay(db, "https://relay.example/actor")).toBe(false);
  relayAnswered(db, followUri, "https://relay.example/actor", true);
  expect(relayRow("https://relay.example/inbox")?.state).toBe("idle");
  expect((await olga.post(`/admin/relays/${id}/join`, {})).status).toBe(303);
  const rejoined = relayRow("https://relay.example/inbox");
  expect(rejoined?.state).toBe("pending");
  expect(rejoined?.followUri).not.toBe(followUri);
  expect(relayAnswered(db, followUri, "https://relay.example/actor", true)).toBe(false);
  relayAnswered(db, rejoined?.followUri ?? "", "https://relay.example/actor", false);
  expect(await (await olga.get("/admin/relays")).text()).toContain("The relay refused");
  expect(joinedRelays(db)).toEqual([]);

  expect((await olga.post(`/admin/relays/${id}/delete`, {})).status).toBe(303);
  expect(relayRow("https://relay.example/inbox")).toBeUndefined();
  expect((await olga.post(`/admin/relays/${id}/leave`, {})).status).toBe(404);
  expect((await olga.post(`/admin/relays/${id}/explode`, {})).status).toBe(400);
  const actions = db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(eq(auditLog.targetType, "relay"))
    .all()
    .map((a) => a.action);
  expect(actions).toEqual(["relay.add", "relay.enable", "relay.disable", "relay.enable", "relay.disable", "relay.remove"]);
});
