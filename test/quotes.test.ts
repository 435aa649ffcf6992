import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createLocalUser } from "../src/core/accounts.ts";
import { createPost } from "../src/core/posts.ts";
import { approveQuote, quoteAnswered, quoteNeedsNoApproval, setQuote } from "../src/core/quotes.ts";
import { loadPostViews } from "../src/core/views.ts";
import { InteractionPolicy, InteractionRule, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { quotePolicyFromAs } from "../src/federation/convert.ts";
import { deleteRemotePost, receiveRemotePost } from "../src/core/remote.ts";
import { accounts, follows, notifications, posts, quoteApprovals } from "../src/db/schema.ts";
import { testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

const t = testApp("https://social.example");
const send = (request: Request) => t.app.handle(request);
const origin = "http://127.0.0.1:3000";
const { db } = t.deps;

const { accountId: adaId } = await createLocalUser(t.deps, {
  username: "ada",
  email: "ada@example.com",
  password: "correct horse battery",
  role: "owner",
});
const browser = new WebClient(send);
await browser.login("ada", "correct horse battery");
const { token } = await authorizeApp(send, origin, browser, { scopes: "read write follow" });
/** An API call with a member's token: the answer's status and JSON. */
async function callAs(bearer: string, method: string, path: string, body?: Record<string, unknown>) {
  const response = await send(
    new Request(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk API entities
  return { status: response.status, json: (await response.json()) as any };
}
/** ada's call: the JSON alone. */
const call = async (method: string, path: string, body?: Record<string, unknown>) =>
  (await callAs(token, method, path, body)).json;

const mal = storeRemoteAccount(db, "https://far.example/users/mal");
const kim = storeRemoteAccount(db, "https://near.example/users/kim");
const quoted = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/1", { plainText: "the quoted words" }));
const quoting = receiveRemotePost(
  t.deps,
  remoteNote(mal.id, "https://far.example/notes/2", { plainText: "look at this", mentionedIds: [] }),
);

test("a quote needs no approval for one's own post or a post that mentions the quoter", () => {
  const own = receiveRemotePost(t.deps, remoteNote(mal.id, "https://far.example/notes/3"));
  const mentioning = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/4", { mentionedIds: [mal.id] }));
  expect(quoteNeedsNoApproval(db, mal.id, own.id)).toBe(true);
  expect(quoteNeedsNoApproval(db, mal.id, mentioning.id)).toBe(true);
  expect(quoteNeedsNoApproval(db, mal.id, quoted.id)).toBe(false);
});

test("the API gives an allowed quote as Mastodon's Quote; a blocked author's post is not shown in it", async () => {
  setQuote(t.deps, quoting.id, quoted.id);
  const status = await call("GET", `/api/v1/statuses/${quoting.id}`);
  expect(status.quote.state).toBe("accepted");
  expect(status.quote.quoted_status).toMatchObject({ id: quoted.id, account: { acct: "kim@near.example" } });
  expect(status.quote.quoted_status.content).toContain("the quoted words");
  // A quote shows one level: the quoted post's own quote is left out.
  expect(status.quote.quoted_status.quote).toBeNull();
  await call("POST", `/api/v1/accounts/${kim.id}/block`);
  expect((await call("GET", `/api/v1/statuses/${quoting.id}`)).quote).toBeNull();
  await call("POST", `/api/v1/accounts/${kim.id}/unblock`);
  expect((await call("GET", `/api/v1/statuses/${quoting.id}`)).quote).not.toBeNull();
});

test("when the quoted post is deleted the quote stays, saying so", async () => {
  expect(deleteRemotePost(t.deps, "https://near.example/notes/1", kim.id)).toBe(true);
  const status = await call("GET", `/api/v1/statuses/${quoting.id}`);
  expect(status.id).toBe(quoting.id);
  expect(status.quote).toEqual({ state: "deleted", quoted_status: null });
  expect(await (await browser.get(`/@mal@far.example/${quoting.id}`)).text()).toContain("The quoted post was deleted.");
});

test("a member whose post is shown quoted is told once", async () => {
  const mine = await call("POST", "/api/v1/statuses", { status: "my own words", visibility: "public" });
  const quote = receiveRemotePost(t.deps, remoteNote(mal.id, "https://far.example/notes/5", { plainText: "quoting ada" }));
  setQuote(t.deps, quote.id, mine.id);
  setQuote(t.deps, quote.id, mine.id); // its Update, later
  // A followers-only quote by someone ada does not follow: she does not get to read it.
  const hidden = receiveRemotePost(
    t.deps,
    remoteNote(mal.id, "https://far.example/notes/6", { plainText: "quoting ada privately", visibility: "private" }),
  );
  setQuote(t.deps, hidden.id, mine.id);
  await Bun.sleep(20);
  const notices = (await call("GET", "/api/v1/notifications?types[]=quote")) as {
    type: string;
    account: { acct: string };
    status: { id: string; quote: { quoted_status: { id: string } } };
  }[];
  expect(notices.map((n) => [n.type, n.account.acct, n.status.id, n.status.quote.quoted_status.id])).toEqual([
    ["quote", "mal@far.example", quote.id, mine.id],
  ]);
  // Not even kept for the private one (pushes would carry its text).
  const kept = db.select({ postId: notifications.postId }).from(notifications).where(eq(notifications.type, "quote")).all();
  expect(kept).toEqual([{ postId: quote.id }]);
});

test("a member quotes: their own or another member's post at once (that member is told), another server's post once approved", async () => {
  const bob = await createLocalUser(t.deps, {
    username: "bob",
    email: "bob@example.com",
    password: "correct horse battery",
    role: "user",
  });
  const bobs = await createPost(t.deps, { id: bob.accountId, username: "bob" }, { status: "bob's bread", visibility: "public" });
  const quoteBob = await call("POST", "/api/v1/statuses", { status: "look at bob's", quoted_status_id: bobs.id });
  expect(quoteBob.quote).toMatchObject({ state: "accepted", quoted_status: { id: bobs.id } });
  const told = db.select().from(notifications).where(eq(notifications.accountId, bob.accountId)).all();
  expect(told.map((n) => [n.type, n.postId])).toEqual([["quote", quoteBob.id]]);
  // Its stamp is served for other servers to check.
  const stampPage = await send(
    new Request(`https://social.example/@bob/quotes/${db.select().from(quoteApprovals).get()?.id}`, {
      headers: { accept: "application/activity+json" },
    }),
  );
  expect(stampPage.status).toBe(200);
  expect(await stampPage.json()).toMatchObject({
    type: "QuoteAuthorization",
    interactingObject: `https://social.example/@ada/${quoteBob.id}`,
    interactionTarget: `https://social.example/@bob/${bobs.id}`,
  });

  // Another server's post: pending, shown to ada alone, until its author answers.
  const remote = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/9", { plainText: "kim's crust" }));
  const pending = await call("POST", "/api/v1/statuses", { status: "kim's crust!", quoted_status_id: remote.id });
  expect(pending.quote).toMatchObject({ state: "pending", quoted_status: { id: remote.id } });
  const visitor = await send(new Request(`${origin}/api/v1/statuses/${pending.id}`));
  expect(((await visitor.json()) as { quote: unknown }).quote).toBeNull();
  quoteAnswered(t.deps, pending.id, "https://near.example/stamps/1");
  const approved = await send(new Request(`${origin}/api/v1/statuses/${pending.id}`));
  expect(((await approved.json()) as { quote: { state: string } }).quote.state).toBe("accepted");

  // Not a followers-only post, nor a post one cannot see.
  const hidden = receiveRemotePost(
    t.deps,
    remoteNote(kim.id, "https://near.example/notes/10", { plainText: "for followers", visibility: "private" }),
  );
  const refused = await call("POST", "/api/v1/statuses", { status: "nope", quoted_status_id: hidden.id });
  expect(refused.error).toContain("This post cannot be quoted.");
});

test("the Quote action opens the compose box with the post, and the post goes out quoting it", async () => {
  const target = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/11", { plainText: "proof at 24°C" }));
  const compose = await (await browser.get(`/compose?quote=${target.id}`)).text();
  expect(compose).toContain(`name="quoted_status_id" value="${target.id}"`);
  expect(compose).toContain("Your words on this post");
  expect(compose).toContain("proof at 24°C");
  const posted = await browser.post("/statuses", { status: "mine too", visibility: "public", quoted_status_id: target.id });
  expect(posted.status).toBe(303);
  const home = await (await browser.get("/")).text();
  expect(home).toContain("Waiting for its author to approve the quote");
  // Sent from the compose page by htmx, it leads to the new post's page: that page has no timeline to show it in.
  const fromPage = await browser.post(
    "/statuses",
    { status: "and again", visibility: "public", quoted_status_id: target.id },
    { headers: { "hx-request": "true", "hx-current-url": `http://127.0.0.1:3000/compose?quote=${target.id}` } },
  );
  const newPost = fromPage.headers.get("hx-redirect") ?? "";
  expect(newPost).toMatch(/^\/@\w+\/[\w-]+$/);
  expect(await (await browser.get(newPost)).text()).toContain("and again");
});

test("a member says who may quote a post: anyone, their followers or only themselves", async () => {
  const bob = db.select({ id: accounts.id }).from(accounts).where(eq(accounts.username, "bob")).get()?.id as string;
  const post = async (policy: string) =>
    (await call("POST", "/api/v1/statuses", { status: `quote policy ${policy}`, quote_approval_policy: policy })) as {
      id: string;
      quote_approval: { automatic: string[]; current_user: string };
    };
  const open = await post("public");
  const followers = await post("followers");
  const nobody = await post("nobody");
  expect([open, followers, nobody].map((s) => s.quote_approval.automatic)).toEqual([["public"], ["followers"], []]);
  expect(nobody.quote_approval.current_user).toBe("automatic"); // ada herself
  const asBob = (id: string) => loadPostViews(db, t.deps.baseUrl, [id], bob)[0]?.quoteApproval.current_user;
  expect([asBob(open.id), asBob(followers.id), asBob(nobody.id)]).toEqual(["automatic", "denied", "denied"]);
  expect(approveQuote(db, bob, nobody.id, "https://social.example/@bob/q1")).toBeNull();
  expect(approveQuote(db, bob, followers.id, "https://social.example/@bob/q2")).toBeNull();
  db.insert(follows).values({ id: crypto.randomUUID(), followerId: bob, followingId: adaId, state: "accepted" }).run();
  expect(approveQuote(db, bob, followers.id, "https://social.example/@bob/q2")).toBeString();
  // A follower may quote a followers-only post, and is told so.
  expect(asBob(followers.id)).toBe("automatic");
  // Other servers read it from the Note.
  const note = await send(
    new Request(`https://social.example/@ada/${followers.id}`, { headers: { accept: "application/activity+json" } }),
  );
  const json = (await note.json()) as { interactionPolicy: { canQuote: { automaticApproval: string } } };
  expect(json.interactionPolicy.canQuote.automaticApproval).toBe("https://social.example/@ada/followers");
  // The page offers no Quote action where the viewer may not quote.
  const page = await (await browser.get(`/@ada/${nobody.id}`)).text();
  expect(page).toContain(`href="/compose?quote=${nobody.id}"`); // ada's own
  expect(await (await browser.get("/compose")).text()).toContain('name="quote_approval_policy"');
});

test("a member's default quote policy: set in Settings, used by new posts and preselected in the compose box", async () => {
  const saved = await browser.post("/settings/preferences", { default_visibility: "public", default_quote_policy: "followers" });
  expect(saved.status).toBe(303);
  expect(await (await browser.get("/settings/preferences")).text()).toMatch(
    /<option value="followers" selected>Followers can quote<\/option>/,
  );
  const post = await call("POST", "/api/v1/statuses", { status: "a post with the default policy" });
  expect(post.quote_approval.automatic).toEqual(["followers"]);
  expect(await (await browser.get("/")).text()).toMatch(/<option value="followers" selected>Followers can quote<\/option>/);
  expect((await call("GET", "/api/v1/preferences"))["posting:default:quote_policy"]).toBe("followers");
  const bad = await browser.post("/settings/preferences", { default_quote_policy: "everyone" });
  // A value the select cannot send: refused, nothing changed.
  expect(bad.status).toBe(400);
  expect((await call("GET", "/api/v1/preferences"))["posting:default:quote_policy"]).toBe("followers");
});

test("a member lists the quotes of their post and takes one back (API and page)", async () => {
  const mine = await call("POST", "/api/v1/statuses", { status: "quote me if you like", visibility: "public" });
  const first = receiveRemotePost(t.deps, remoteNote(mal.id, "https://far.example/notes/20", { plainText: "first quote" }));
  const second = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/21", { plainText: "second quote" }));
  setQuote(t.deps, first.id, mine.id);
  setQuote(t.deps, second.id, mine.id);
  const revoked: string[] = [];
  t.deps.events.on("quote.revoked", ({ quotingId }) => {
    revoked.push(quotingId);
  });
  const listed = (await call("GET", `/api/v1/statuses/${mine.id}/quotes`)) as { id: string }[];
  expect(listed.map((s) => s.id)).toEqual([second.id, first.id]);
  const back = await call("POST", `/api/v1/statuses/${mine.id}/quotes/${first.id}/revoke`);
  expect([back.id, back.quote]).toEqual([first.id, { state: "revoked", quoted_status: null }]);
  // From the page, under the quote.
  const page = await (await browser.get("/notifications")).text();
  expect(page).toContain(`action="/statuses/${mine.id}/quotes/${second.id}/revoke"`);
  expect((await browser.post(`/statuses/${mine.id}/quotes/${second.id}/revoke`, {})).status).toBe(303);
  await Bun.sleep(20);
  expect(revoked).toEqual([first.id, second.id]);
  expect(await call("GET", `/api/v1/statuses/${mine.id}/quotes`)).toEqual([]);
  // Only its author may: another's post, or a post that does not quote it, is not found.
  expect((await call("POST", `/api/v1/statuses/${quoted.id}/quotes/${first.id}/revoke`)).error).toBe("Record not found");
});

// A second member, for what others see and are told.
await createLocalUser(t.deps, { username: "bo", email: "bo@example.com", password: "correct horse battery", role: "user" });
const bo = new WebClient(send);
await bo.login("bo", "correct horse battery");
const boToken = (await authorizeApp(send, origin, bo, { scopes: "read write follow" })).token;
const boCall = (method: string, path: string, body?: Record<string, unknown>) => callAs(boToken, method, path, body);

test("Mastodon 4.5's quote API: quotes_count, the quotes for anyone who may see them, a nested quote, a policy changed later", async () => {
  const mine = await call("POST", "/api/v1/statuses", { status: "a post worth quoting", visibility: "public" });
  const kims = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/40", { plainText: "kim quotes ada" }));
  const mals = receiveRemotePost(t.deps, remoteNote(mal.id, "https://far.example/notes/41", { plainText: "mal quotes kim" }));
  setQuote(t.deps, kims.id, mine.id);
  setQuote(t.deps, mals.id, kims.id);
  expect((await call("GET", `/api/v1/statuses/${mine.id}`)).quotes_count).toBe(1);
  // Another member lists them too (Mastodon's newer rule), on the API and on the post's page.
  const listed = await boCall("GET", `/api/v1/statuses/${mine.id}/quotes`);
  expect(listed.json.map((s: { id: string }) => s.id)).toEqual([kims.id]);
  const thread = await (await bo.get(`/@ada/${mine.id}`)).text();
  expect(thread).toContain(`<a href="/@ada/${mine.id}/quotes">1 quote</a>`);
  const quotesPage = await (await bo.get(`/@ada/${mine.id}/quotes`)).text();
  expect(quotesPage).toContain("kim quotes ada");
  expect(quotesPage).not.toContain("/revoke"); // only the author takes a quote back
  expect(await (await browser.get(`/@ada/${mine.id}/quotes`)).text()).toContain(`/quotes/${kims.id}/revoke`);
  // A quoted post's own quote is named, not loaded (ShallowQuote).
  const nested = await call("GET", `/api/v1/statuses/${mals.id}`);
  expect(nested.quote.quoted_status.quote).toEqual({ state: "accepted", quoted_status_id: mine.id });
  // Not named to someone who may not see it: ada blocks bo for a moment.
  const boId = (await boCall("GET", "/api/v1/accounts/verify_credentials")).json.id;
  await call("POST", `/api/v1/accounts/${boId}/block`);
  expect((await boCall("GET", `/api/v1/statuses/${mals.id}`)).json.quote.quoted_status.quote).toBeNull();
  await call("POST", `/api/v1/accounts/${boId}/unblock`);

  // The policy of a posted post: its author changes it; nobody else can; a bad value is refused.
  const changed = await call("PUT", `/api/v1/statuses/${mine.id}/interaction_policy`, { quote_approval_policy: "nobody" });
  expect(changed.quote_approval).toMatchObject({ automatic: [], current_user: "automatic" });
  expect((await boCall("GET", `/api/v1/statuses/${mine.id}`)).json.quote_approval.current_user).toBe("denied");
  const notMine = await boCall("PUT", `/api/v1/statuses/${mine.id}/interaction_policy`, { quote_approval_policy: "public" });
  expect(notMine.status).toBe(404);
  const bad = await boCall("PUT", `/api/v1/statuses/${mine.id}/interaction_policy`, { quote_approval_policy: "everyone" });
  expect(bad.status).toBe(422);
  expect((await call("GET", `/api/v1/statuses/${mine.id}`)).quote_approval.automatic).toEqual([]);
  // And from the edit page.
  expect(await (await browser.get(`/statuses/${mine.id}/edit`)).text()).toContain('<option value="nobody" selected>');
  await browser.post(`/statuses/${mine.id}/edit`, { status: "a post worth quoting", quote_approval_policy: "followers" });
  expect((await call("GET", `/api/v1/statuses/${mine.id}`)).quote_approval.automatic).toEqual(["followers"]);

  // The default policy in the credential account's source, set as apps set it.
  const form = new URLSearchParams({ "source[quote_policy]": "nobody" });
  const updated = await send(
    new Request(`${origin}/api/v1/accounts/update_credentials`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${boToken}`, "content-type": "application/x-www-form-urlencoded" },
      body: form,
    }),
  );
  expect(((await updated.json()) as { source: { quote_policy: string } }).source.quote_policy).toBe("nobody");
  const wrong = await boCall("PATCH", "/api/v1/accounts/update_credentials", { source: { quote_policy: "all" } });
  expect(wrong.status).toBe(422);
  expect((await boCall("GET", "/api/v1/accounts/verify_credentials")).json.source.quote_policy).toBe("nobody");
});

test("an edited post tells those who boosted it (update) and those who quoted it (quoted_update), once per edit", async () => {
  const kims = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/50", { plainText: "first words" }));
  await boCall("POST", `/api/v1/statuses/${kims.id}/reblog`);
  const adaQuote = await call("POST", "/api/v1/statuses", { status: "so true", quoted_status_id: kims.id });
  // As kim's server's approval would leave it.
  db.update(posts).set({ quotePending: false }).where(eq(posts.id, adaQuote.id)).run();
  const edit = (words: string, at: Date) =>
    receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/50", { plainText: words, editedAt: at }));
  const notices = async (who: typeof call, type: string) =>
    ((await who("GET", `/api/v1/notifications?types[]=${type}`)) as { type: string; status: { id: string } }[]).map(
      (n) => `${n.type} ${n.status.id}`,
    );
  const boNotices = async (type: string) =>
    (await boCall("GET", `/api/v1/notifications?types[]=${type}`)).json.map(
      (n: { type: string; status: { id: string } }) => `${n.type} ${n.status.id}`,
    );
  const at = new Date();
  edit("second words", at);
  edit("second words", at); // the same version again: no new notice
  expect(await boNotices("update")).toEqual([`update ${kims.id}`]);
  expect(await notices(call, "quoted_update")).toEqual([`quoted_update ${adaQuote.id}`]);
  const quotedNotices = () => db.select().from(notifications).where(eq(notifications.type, "quoted_update")).all();
  const first = quotedNotices()[0];
  // Edits in quick succession ring once; an older version or the same words again are no edit.
  edit("third words", new Date(at.getTime() + 1000));
  edit("stale words", new Date(at.getTime() - 60_000));
  expect(quotedNotices().map((n) => n.id)).toEqual([first?.id as string]);
  expect((await call("GET", `/api/v1/statuses/${kims.id}`)).content).toBe("<p>third words</p>");
  // Ten minutes on, the next edit's notice replaces the old one, new and unread.
  db.update(notifications)
    .set({ createdAt: new Date(Date.now() - 11 * 60_000) })
    .where(eq(notifications.type, "quoted_update"))
    .run();
  edit("third words", new Date(at.getTime() + 2000));
  expect(quotedNotices().map((n) => n.id)).toEqual([first?.id as string]); // the same words: no edit
  edit("fourth words", new Date(at.getTime() + 3000));
  const again = quotedNotices();
  expect(again.length).toBe(1);
  expect(again[0]?.id).not.toBe(first?.id);
  expect(await (await browser.get("/notifications")).text()).toContain("edited a post you quoted");

  // A member's own edit tells the members who boosted it.
  const mine = await call("POST", "/api/v1/statuses", { status: "draft one", visibility: "public" });
  await boCall("POST", `/api/v1/statuses/${mine.id}/reblog`);
  await call("PUT", `/api/v1/statuses/${mine.id}`, { status: "draft two" });
  expect(await boNotices("update")).toContain(`update ${mine.id}`);
  expect(await (await bo.get("/notifications")).text()).toContain("edited a post you boosted");

  // A booster the author has since blocked is not told of the edit (nor shown its words).
  const another = await call("POST", "/api/v1/statuses", { status: "before", visibility: "public" });
  await boCall("POST", `/api/v1/statuses/${another.id}/reblog`);
  const boId = (await boCall("GET", "/api/v1/accounts/verify_credentials")).json.id;
  await call("POST", `/api/v1/accounts/${boId}/block`);
  await call("PUT", `/api/v1/statuses/${another.id}`, { status: "secret after" });
  expect(await boNotices("update")).not.toContain(`update ${another.id}`);
  await call("POST", `/api/v1/accounts/${boId}/unblock`);
});

test("a post's quotes as each viewer may see them; its author sees them all; a hidden quote is not counted", async () => {
  const mine = await call("POST", "/api/v1/statuses", { status: "quote carefully", visibility: "public" });
  const open = receiveRemotePost(t.deps, remoteNote(kim.id, "https://near.example/notes/60", { plainText: "open quote" }));
  const closed = receiveRemotePost(
    t.deps,
    remoteNote(mal.id, "https://far.example/notes/61", { plainText: "followers quote", visibility: "private" }),
  );
  setQuote(t.deps, open.id, mine.id);
  setQuote(t.deps, closed.id, mine.id);
  expect((await call("GET", `/api/v1/statuses/${mine.id}`)).quotes_count).toBe(1);
  expect((await boCall("GET", `/api/v1/statuses/${mine.id}/quotes`)).json.map((q: { id: string }) => q.id)).toEqual([open.id]);
  // The author muted kim: still listed for her, to take it back.
  await call("POST", `/api/v1/accounts/${kim.id}/mute`);
  expect(((await call("GET", `/api/v1/statuses/${mine.id}/quotes`)) as { id: string }[]).map((q) => q.id)).toEqual([open.id]);
  await call("POST", `/api/v1/accounts/${kim.id}/unmute`);
});

test("other servers' quote policies are read as Mastodon 4.5 reads canQuote, and a member is refused where they say no", async () => {
  const followers = "https://far.example/users/mal/followers";
  const note = (rule?: ConstructorParameters<typeof InteractionRule>[0]) =>
    new Note({
      id: new URL("https://far.example/notes/99"),
      attribution: new URL("https://far.example/users/mal"),
      interactionPolicy: rule ? new InteractionPolicy({ canQuote: new InteractionRule(rule) }) : null,
    });
  expect([
    quotePolicyFromAs(note({ automaticApproval: PUBLIC_COLLECTION }), followers),
    quotePolicyFromAs(note({ manualApproval: PUBLIC_COLLECTION, automaticApproval: new URL(followers) }), followers),
    quotePolicyFromAs(note({ automaticApproval: new URL(followers) }), followers),
    quotePolicyFromAs(note({ automaticApproval: new URL("https://far.example/users/mal") }), followers),
    quotePolicyFromAs(note(), followers),
    // Some people named: a policy Mastodon cannot express either, so quoting asks.
    quotePolicyFromAs(note({ automaticApproval: new URL("https://near.example/users/kim") }), followers),
    // A bare "Public", as some servers write it.
    quotePolicyFromAs(note({ automaticApproval: new URL("https://far.example/notes/Public") }), followers),
  ]).toEqual([
    { quotePolicy: "public", quoteManual: false },
    { quotePolicy: "public", quoteManual: true },
    { quotePolicy: "followers", quoteManual: false },
    { quotePolicy: "nobody", quoteManual: false },
    { quotePolicy: "nobody", quoteManual: false },
    { quotePolicy: "public", quoteManual: true },
    { quotePolicy: "public", quoteManual: false },
  ]);

  const closed = receiveRemotePost(
    t.deps,
    remoteNote(mal.id, "https://far.example/notes/70", { plainText: "do not quote me", quotePolicy: "nobody" }),
  );
  const open = receiveRemotePost(
    t.deps,
    remoteNote(mal.id, "https://far.example/notes/71", { plainText: "quote away", quotePolicy: "public", quoteManual: false }),
  );
  expect((await call("GET", `/api/v1/statuses/${closed.id}`)).quote_approval).toEqual({
    automatic: [],
    manual: [],
    current_user: "denied",
  });
  expect((await call("GET", `/api/v1/statuses/${open.id}`)).quote_approval).toEqual({
    automatic: ["public"],
    manual: [],
    current_user: "automatic",
  });
  const refused = await callAs(token, "POST", "/api/v1/statuses", { status: "hm", quoted_status_id: closed.id });
  expect([refused.status, refused.json.error]).toEqual([
    422,
    "Validation failed: Its author does not allow you to quote this post.",
  ]);
  const page = await (await browser.get(`/@mal@far.example/${closed.id}`)).text();
  expect(page).not.toContain(`/compose?quote=${closed.id}`);
  expect(await (await browser.get(`/@mal@far.example/${open.id}`)).text()).toContain(`/compose?quote=${open.id}`);
});
