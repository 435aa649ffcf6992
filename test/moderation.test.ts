import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { ruleId, updateSettings } from "../src/core/instance.ts";
import { community, PASSWORD } from "./helpers/community.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { testJpeg } from "./helpers/images.ts";

setDefaultTimeout(60_000);

describe("reports", () => {
  test("a member reports a post; a moderator sees it with a snapshot, adds a note and resolves it; it is audited", async () => {
    const c = await community(["ada", "bob", "eve"]);
    const id = await c.post("eve", { status: "buy cheap stuff at spam.example" });
    const bob = c.member("bob").browser;
    const form = await c.page(bob, `/report?account_id=${c.member("eve").accountId}&status_id=${id}`);
    expect(form).toContain('name="status_ids"');
    expect(form).toMatch(new RegExp(`value="${id}" checked`));
    // No reason is chosen for the member: a report without one is refused, saying so.
    expect(form).not.toMatch(/name="category" value="spam" checked/);
    const unsaid = await bob.post("/reports", { account_id: c.member("eve").accountId, status_ids: id });
    expect(unsaid.status).toBe(422);
    expect(await unsaid.text()).toContain("Choose why you report this account.");
    const sent = await bob.post("/reports", {
      account_id: c.member("eve").accountId,
      category: "spam",
      status_ids: id,
      comment: "obvious spam",
    });
    expect(sent.status).toBe(303);
    const thanks = sent.headers.get("location") ?? "";
    expect(await c.page(bob, thanks)).toContain("Thanks for your report");
    // From there, muting the account comes back to the page, which then says so.
    const eveId = c.member("eve").accountId;
    const muted = await bob.post(
      `/accounts/${eveId}/mute`,
      { notifications: "1" },
      { headers: { referer: `http://127.0.0.1:3000${thanks}` } },
    );
    expect(muted.headers.get("location")).toBe(thanks);
    expect(await c.page(bob, thanks)).toContain("You have muted this account.");
    await bob.post(`/accounts/${eveId}/unmute`, {});
    // The post is deleted afterwards: the report still shows it.
    await c.member("eve").browser.post(`/statuses/${id}/delete`, {});

    const ada = c.member("ada").browser; // the owner
    const list = await c.page(ada, "/admin/reports");
    const reportId = /href="\/admin\/reports\/([^"]+)"/.exec(list)?.[1];
    expect(reportId).toBeDefined();
    // Every admin page's Reports tab counts the open ones.
    const openBadge = '<span>Reports</span><span class="badge" aria-label="1 open">1</span>';
    expect(await c.page(ada, "/admin/audit")).toContain(openBadge);
    const detail = await c.page(ada, `/admin/reports/${reportId}`);
    expect(detail).toContain("buy cheap stuff");
    expect(detail).toContain("obvious spam");
    expect(detail).toContain("@bob");
    expect(detail).toContain("<dt>Assigned to</dt><dd>Nobody yet</dd>");
    // Taking it on shows, here and in the list, and can be undone.
    await ada.post(`/admin/reports/${reportId}/assign`, {});
    const assigned = await c.page(ada, `/admin/reports/${reportId}`);
    expect(assigned).toContain("<dt>Assigned to</dt><dd><span>@ada</span></dd>");
    expect(assigned).toContain(">Unassign</button>");
    expect(await c.page(ada, "/admin/reports")).toContain(" · assigned to @ada");
    await ada.post(`/admin/reports/${reportId}/unassign`, {});
    expect(await c.page(ada, `/admin/reports/${reportId}`)).toContain("<dt>Assigned to</dt><dd>Nobody yet</dd>");
    await ada.post(`/admin/reports/${reportId}/notes`, { note: "checked, spam account" });
    expect((await ada.post(`/admin/reports/${reportId}/resolve`, {})).status).toBe(303);
    expect(await c.page(ada, `/admin/reports/${reportId}`)).toContain("Resolved by @ada on <time");
    const again = await ada.post(`/admin/reports/${reportId}/resolve`, {});
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already resolved");
    expect(await c.page(ada, "/admin/reports")).toContain("No open reports");
    expect(await c.page(ada, "/admin/audit")).not.toContain(openBadge);
    const audit = await c.page(ada, "/admin/audit");
    expect(audit).toContain("report.resolve");
    expect(audit).toContain("report.note");
  });

  test("a report for breaking the rules says which ones, as they read then; the moderators and apps see them", async () => {
    const c = await community(["ada", "bob", "eve"]);
    updateSettings(c.deps.db, { rules: ["Be kind", "No spam", "Mark sensitive media"] });
    const bob = c.member("bob").browser;
    const eve = c.member("eve").accountId;
    const form = await c.page(bob, `/report?account_id=${eve}`);
    expect(form).toContain("Which rules does it break?");
    const [, spam, media] = ["Be kind", "No spam", "Mark sensitive media"].map(ruleId);
    expect(form).toContain(`<label for="rule-${spam}">2. No spam</label>`);

    // A violation with no rule ticked, or a rule the instance does not have: the form again, as filled.
    const none = await bob.post("/reports", { account_id: eve, category: "violation", comment: "see for yourself" });
    expect(none.status).toBe(422);
    const again = await none.text();
    expect(again).toContain("Tick the rules it breaks.");
    expect(again).toMatch(/id="category-violation" name="category" value="violation" checked/);
    expect(again).toContain("see for yourself</textarea>");
    const unknown = await bob.post("/reports", [
      ["account_id", eve],
      ["category", "violation"],
      ["rule_ids", spam ?? ""],
      ["rule_ids", "2"], // positions are no ids
    ]);
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toContain("Choose among this instance&#x27;s rules.");

    // Rules keep their ids when the owner moves them around.
    updateSettings(c.deps.db, { rules: ["Mark sensitive media", "Be kind", "No spam"] });
    const sent = await bob.post("/reports", [
      ["account_id", eve],
      ["category", "violation"],
      ["rule_ids", spam ?? ""],
      ["rule_ids", media ?? ""],
    ]);
    expect(sent.status).toBe(303);
    // The owner rewords the rules afterwards: the report keeps what was broken.
    updateSettings(c.deps.db, { rules: ["Be kind", "Nothing commercial"] });
    const ada = c.member("ada").browser;
    const reportId = /href="\/admin\/reports\/([^"]+)"/.exec(await c.page(ada, "/admin/reports"))?.[1];
    const detail = await c.page(ada, `/admin/reports/${reportId}`);
    expect(detail).toContain("Rules broken");
    expect(detail).toContain("<li>No spam</li><li>Mark sensitive media</li>");

    // Apps: rule_ids make a violation, and come back in the entity.
    const send = (request: Request) => c.app.handle(request);
    const { token } = await authorizeApp(send, "https://social.example", bob, { scopes: "write:reports" });
    const report = (body: Record<string, unknown>) =>
      send(
        new Request("https://social.example/api/v1/reports", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
    const kind = ruleId("Be kind");
    const rules = await (await send(new Request("https://social.example/api/v1/instance/rules"))).json();
    expect(rules).toEqual([
      { id: kind, text: "Be kind", hint: "" },
      { id: ruleId("Nothing commercial"), text: "Nothing commercial", hint: "" },
    ]);
    const api = await report({ account_id: eve, category: "spam", rule_ids: [`0${kind}`, kind] });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ category: "violation", rule_ids: [kind] });
    // The id of a rule reworded since: refused, not taken for another rule.
    expect((await report({ account_id: eve, rule_ids: [spam] })).status).toBe(422);
  });

  test("reporting oneself is refused; users cannot open the moderation pages", async () => {
    const c = await community(["ada", "bob"]);
    const bob = c.member("bob").browser;
    const res = await bob.post("/reports", { account_id: c.member("bob").accountId, category: "other" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("You cannot report yourself.");
    for (const path of ["/admin/reports", "/admin/audit", "/admin/registrations", "/admin/invites", "/admin/settings"]) {
      expect((await bob.get(path)).status).toBe(403);
    }
  });
});

describe("actions on accounts", () => {
  async function act(c: Awaited<ReturnType<typeof community>>, staff: string, target: string, action: string, reason = "") {
    return c.member(staff).browser.post(`/admin/accounts/${c.member(target).accountId}/action`, { action, reason, notify: "1" });
  }

  test("suspend hides everything and ends the member's sessions; lifting it brings it back", async () => {
    const c = await community(["ada", "bob", "eve"]);
    const id = await c.post("eve", { status: "eve's public words" });
    expect(await c.page(c.visitor, "/public/local")).toContain(`post-${id}`);
    expect((await act(c, "ada", "eve", "suspend", "repeated spam")).status).toBe(303);
    // The moderators see when the suspension turns into deletion.
    const staffView = (await c.page(c.member("ada").browser, `/admin/accounts/${c.member("eve").accountId}`)).replace(
      /\s+/g,
      " ",
    );
    expect(staffView).toMatch(
      /the account and everything in it are deleted on <time[^>]*>[^<]+<\/time> unless the suspension is lifted/,
    );
    expect(await c.page(c.visitor, "/public/local")).not.toContain(`post-${id}`);
    expect((await c.visitor.get("/@eve")).status).toBe(410);
    expect((await c.visitor.get(`/@eve/${id}`)).status).toBe(404);
    expect(await c.page(c.member("eve").browser, "/")).not.toContain("Log out"); // session ended
    const login = await c.member("eve").browser.post("/login", { username: "eve", password: "correct horse battery" });
    // The password shows the moderators' note and a way to appeal it, never a session (test/appeals.test.ts).
    expect(login.status).toBe(403);
    const note = await login.text();
    expect(note).toContain("Your account is suspended");
    expect(note).toContain("repeated spam");
    await act(c, "ada", "eve", "unsuspend");
    expect(await c.page(c.visitor, "/public/local")).toContain(`post-${id}`);
    expect(await c.page(c.member("ada").browser, `/admin/accounts/${c.member("eve").accountId}`)).toContain("repeated spam");
    const audit = await c.page(c.member("ada").browser, "/admin/audit");
    expect(audit).toContain("account.suspend");
    // In words, the account named in full and linked to its page.
    expect(audit).toContain(`<span>@ada suspended </span><a href="/admin/accounts/${c.member("eve").accountId}">@eve</a>`);
  });

  test("limit keeps posts off public timelines except for followers, and the member's follows need approval", async () => {
    const c = await community(["ada", "bob", "eve", "fay"]);
    await c.member("bob").browser.post(`/accounts/${c.member("eve").accountId}/follow`, {});
    const id = await c.post("eve", { status: "limited words" });
    await act(c, "ada", "eve", "silence", "borderline");
    expect(await c.page(c.visitor, "/public/local")).not.toContain(`post-${id}`);
    expect(await c.page(c.member("fay").browser, "/public/local")).not.toContain(`post-${id}`);
    expect(await c.page(c.member("bob").browser, "/public/local")).toContain(`post-${id}`);
    expect(await c.page(c.visitor, "/@eve")).toContain(`post-${id}`); // still on the profile
    await c.member("eve").browser.post(`/accounts/${c.member("fay").accountId}/follow`, {});
    expect(await c.page(c.member("eve").browser, "/@fay")).toContain("Cancel follow request");
  });

  test("sensitive hides every post's media until chosen, as Mastodon's; a warning reaches the member", async () => {
    const c = await community(["ada", "eve"]);
    const eve = c.member("eve").browser;
    const form = new FormData();
    form.set("_csrf", await eve.csrf());
    form.set("status", "graphic stuff");
    form.append("media", new File([await testJpeg(60, 60)], "photo.jpg"));
    form.append("description", "a photo");
    expect((await eve.request("/statuses", { method: "POST", body: form })).status).toBe(303);
    const id = await c.post("eve", { status: "words only" });
    await act(c, "ada", "eve", "sensitive", "please use content warnings");
    const page = await c.page(c.visitor, "/@eve");
    expect(page).toContain('<details class="media-hidden"><summary><span>Sensitive media</span>');
    expect(page).toContain("graphic stuff"); // the words stay readable
    expect(await c.page(c.visitor, `/@eve/${id}`)).not.toContain("<details");
    // A warning without words would tell the member nothing: refused, by the field.
    const empty = await act(c, "ada", "eve", "warn", "  ");
    expect(empty.status).toBe(422);
    const refusedPage = await empty.text();
    expect(refusedPage).toContain("Write the warning: it is all the member reads.");
    expect(refusedPage).toContain('class="moderation-form"'); // the account's page, to try again
    expect(refusedPage).toMatch(/id="action-warn" name="action" value="warn" checked/);
    const applied = await act(c, "ada", "eve", "warn", "be kind in replies");
    expect(applied.headers.get("location")).toBe(`/admin/accounts/${c.member("eve").accountId}?saved=action`);
    expect(await c.page(c.member("ada").browser, applied.headers.get("location") ?? "")).toContain(
      "Applied: the history below lists it.",
    );
    // Each action the member is told of notifies, also the second from the same moderator.
    expect((await c.page(eve, "/notifications")).split("<span>The moderators sent you a note.</span>").length - 1).toBe(2);
    const notes = await c.page(eve, "/settings/warnings");
    expect(notes).toContain("be kind in replies");
    expect(notes).toContain("please use content warnings");
    // Apps get Mastodon's moderation_warning with each notification.
    const send = (request: Request) => c.app.handle(request);
    const { token } = await authorizeApp(send, "https://social.example", eve, { scopes: "read:notifications" });
    const listed = (await (
      await send(
        new Request("https://social.example/api/v1/notifications?types[]=moderation_warning", {
          headers: { authorization: `Bearer ${token}` },
        }),
      )
    ).json()) as { moderation_warning: { action: string; text: string; target_account: { username: string } } }[];
    expect(listed.map((n) => [n.moderation_warning.action, n.moderation_warning.text])).toEqual([
      ["none", "be kind in replies"],
      ["mark_statuses_as_sensitive", "please use content warnings"],
    ]);
    expect(listed[0]?.moderation_warning.target_account.username).toBe("eve");
  });

  test("a moderator cannot act on an admin, nor on themselves", async () => {
    const c = await community(["ada", "mia", "adm"]);
    c.database.sqlite.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("mia").accountId]);
    c.database.sqlite.run("UPDATE users SET role = 'admin' WHERE account_id = ?", [c.member("adm").accountId]);
    // The page offers no form it would refuse, and says why.
    const page = await c.page(c.member("mia").browser, `/admin/accounts/${c.member("adm").accountId}`);
    expect(page).toContain("Only someone with a higher role can act on this account.");
    expect(page).not.toContain('class="moderation-form"');
    const onAdmin = await act(c, "mia", "adm", "suspend");
    expect(onAdmin.status).toBe(403);
    expect(await onAdmin.text()).toContain("Only someone with a higher role");
    expect((await act(c, "mia", "mia", "warn")).status).toBe(403);
    expect(c.database.sqlite.query("SELECT suspended_at FROM accounts WHERE username = 'adm'").get()).toEqual({
      suspended_at: null,
    });
  });
});

test("a moderator deletes a reported post from the report; the author is told", async () => {
  const c = await community(["ada", "bob", "eve"]);
  const id = await c.post("eve", { status: "something awful" });
  await c
    .member("bob")
    .browser.post("/reports", { account_id: c.member("eve").accountId, category: "violation", status_ids: id });
  const ada = c.member("ada").browser;
  const reportId = /href="\/admin\/reports\/([^"]+)"/.exec(await c.page(ada, "/admin/reports"))?.[1];
  expect(await c.page(ada, `/admin/reports/${reportId}`)).toContain("Delete this post");
  expect((await ada.post(`/admin/posts/${id}/delete`, { report_id: reportId ?? "", reason: "breaks rule 2" })).status).toBe(303);
  expect((await c.visitor.get(`/@eve/${id}`)).status).toBe(404);
  const detail = await c.page(ada, `/admin/reports/${reportId}`);
  expect(detail).toContain("something awful"); // the snapshot stays
  expect(detail).toContain("Deleted since.");
  expect(await c.page(c.member("eve").browser, "/settings/warnings")).toContain("breaks rule 2");
});

describe("domain blocks", () => {
  test("an admin limits and suspends domains; effects on timelines, follows, media and the about page", async () => {
    const c = await community(["ada", "bob"]);
    const db = c.database.sqlite;
    // Two remote accounts, each with a public post, and bob following the one on bad.example.
    const remotes: [string, string, string][] = [
      ["r1", "troll", "bad.example"],
      ["r2", "quiet", "noisy.example"],
    ];
    for (const [id, name, domain] of remotes) {
      db.run("INSERT INTO accounts (id, username, domain, uri) VALUES (?, ?, ?, ?)", [
        id,
        name,
        domain,
        `https://${domain}/users/${name}`,
      ]);
      db.run("INSERT INTO posts (id, account_id, uri, content_html, visibility) VALUES (?, ?, ?, ?, 'public')", [
        `${id}-p`,
        id,
        `https://${domain}/p/1`,
        `<p>post from ${domain}</p>`,
      ]);
    }
    db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES ('f1', ?, 'r1', 'accepted')", [
      c.member("bob").accountId,
    ]);
    const ada = c.member("ada").browser;
    expect(await c.page(c.visitor, "/public")).toContain("post from bad.example");

    // Limit noisy.example: off the federated timeline for non-followers.
    await ada.post("/admin/domain-blocks", { domain: "https://Noisy.Example/", severity: "silence", public_comment: "too loud" });
    expect(await c.page(c.visitor, "/public")).not.toContain("post from noisy.example");

    // Suspending bad.example cuts bob's follow: shown first, then confirmed.
    const preview = await ada.post("/admin/domain-blocks", { domain: "bad.example", severity: "suspend" });
    expect(await preview.text()).toContain("cuts 1 follow relationships");
    expect(db.query("SELECT count(*) AS n FROM follows").get()).toEqual({ n: 1 });
    await ada.post("/admin/domain-blocks", { domain: "bad.example", severity: "suspend", confirm: "1", obfuscate: "1" });
    expect(db.query("SELECT count(*) AS n FROM follows").get()).toEqual({ n: 0 });
    expect(await c.page(c.visitor, "/public")).not.toContain("post from bad.example");
    const about = await c.page(c.visitor, "/about");
    expect(about).toContain("Moderated servers");
    expect(about).toContain("too loud");
    expect(about).not.toContain("bad.example"); // obfuscated

    // Bad input: the instance's own domain, and nonsense.
    const own = await ada.post("/admin/domain-blocks", { domain: "social.example", severity: "suspend" });
    expect(await own.text()).toContain("You cannot block this instance&#x27;s own domain.");
    expect((await ada.post("/admin/domain-blocks", { domain: "not a domain!", severity: "silence" })).status).toBe(422);
    // A new block over an existing one is refused, not quietly put in its place: the block is changed from its own form.
    const twice = await ada.post("/admin/domain-blocks", { domain: "noisy.example", severity: "suspend" });
    expect(twice.status).toBe(422);
    expect(await twice.text()).toContain("noisy.example is blocked already: change that block instead.");
    const form = await c.page(ada, "/admin/domain-blocks?change=noisy.example");
    expect(form).toContain("Change the block on noisy.example");
    expect(form).toContain('<input type="hidden" name="change" value="noisy.example"/>');
    expect(form).toContain('value="too loud"');
    await ada.post("/admin/domain-blocks", {
      domain: "noisy.example",
      change: "noisy.example",
      severity: "noop",
      public_comment: "quieter now",
    });
    const changed = db.query("SELECT severity, public_comment FROM domain_blocks WHERE domain = 'noisy.example'").get();
    expect(changed).toEqual({ severity: "noop", public_comment: "quieter now" });
    expect((await ada.get("/admin/domain-blocks?change=unknown.example")).status).toBe(404);
    // A moderator may not manage domain blocks.
    db.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("bob").accountId]);
    expect((await c.member("bob").browser.get("/admin/domain-blocks")).status).toBe(403);

    // Lifting the suspension shows the posts again.
    await ada.post(`/admin/domain-blocks/${encodeURIComponent("bad.example")}/delete`, {});
    expect(await c.page(c.visitor, "/public")).toContain("post from bad.example");
    expect(await c.page(ada, "/admin/audit")).toContain("domain.suspend");
  });
});

describe("roles", () => {
  type Community = Awaited<ReturnType<typeof community>>;
  const roleOf = (c: Community, name: string) =>
    c.database.sqlite
      .query<{ role: string }, [string]>("SELECT role FROM users WHERE account_id = ?")
      .get(c.member(name).accountId)?.role;
  const setRole = (c: Community, name: string, role: string) =>
    c.database.sqlite.run("UPDATE users SET role = ? WHERE account_id = ?", [role, c.member(name).accountId]);
  const change = (c: Community, staff: string, target: string, role: string, password?: string) =>
    c
      .member(staff)
      .browser.post(`/admin/accounts/${c.member(target).accountId}/role`, { role, ...(password ? { password } : {}) });
  /** The refusal's status and message, and that nobody's role moved. */
  async function refused(c: Community, res: Response, status: number, message: string) {
    const before = c.database.sqlite.query("SELECT account_id, role FROM users ORDER BY account_id").all();
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(message);
    expect(c.database.sqlite.query("SELECT account_id, role FROM users ORDER BY account_id").all()).toEqual(before);
  }

  test("an admin makes a member a moderator and back, audited; the form offers only roles below admin", async () => {
    const c = await community(["ada", "adm", "bob"]);
    setRole(c, "adm", "admin");
    const adm = c.member("adm").browser;
    const page = await c.page(adm, `/admin/accounts/${c.member("bob").accountId}`);
    expect(page).toContain('id="role-user"');
    expect(page).toContain('id="role-moderator"');
    expect(page).not.toContain('id="role-admin"');
    expect(page).not.toContain('name="password"'); // asked only of the owner, to pass ownership on
    const res = await change(c, "adm", "bob", "moderator");
    expect(res.headers.get("location")).toBe(`/admin/accounts/${c.member("bob").accountId}?saved=role`);
    expect(roleOf(c, "bob")).toBe("moderator");
    expect(await c.page(adm, res.headers.get("location") ?? "")).toContain("The role is changed.");
    expect((await c.page(c.member("bob").browser, "/admin/reports")).includes("Administration")).toBe(true); // at once
    await change(c, "adm", "bob", "user");
    expect(roleOf(c, "bob")).toBe("user");
    expect((await c.member("bob").browser.get("/admin/reports")).status).toBe(403);
    const audit = await c.page(adm, "/admin/audit");
    expect(audit).toContain("user → moderator");
    expect(audit).toContain("moderator → user");
    await refused(c, await change(c, "adm", "bob", "user"), 409, "@bob is already a user.");
  });

  test("refusals: oneself, someone at or above one's rank, a rank at or above one's own, moderators, remote accounts", async () => {
    const c = await community(["ada", "adm", "ad2", "mia", "bob"]);
    setRole(c, "adm", "admin");
    setRole(c, "ad2", "admin");
    setRole(c, "mia", "moderator");
    await refused(c, await change(c, "adm", "adm", "moderator"), 403, "You cannot change your own role.");
    await refused(c, await change(c, "adm", "ad2", "user"), 403, "Only someone with a higher role can change this account");
    await refused(c, await change(c, "adm", "bob", "admin"), 403, "You can only give roles below your own (admin).");
    await refused(c, await change(c, "adm", "bob", "owner"), 403, "Only the owner can pass ownership on.");
    await refused(c, await change(c, "mia", "bob", "moderator"), 403, "Only the instance&#x27;s admins may do this.");
    // An admin sees why there is no form on another admin's page.
    expect(await c.page(c.member("adm").browser, `/admin/accounts/${c.member("ad2").accountId}`)).toContain(
      "Only someone with a higher role can change this account",
    );
    c.database.sqlite.run("INSERT INTO accounts (id, username, domain, uri) VALUES ('r1', 'far', 'remote.example', ?)", [
      "https://remote.example/users/far",
    ]);
    const remote = await c.member("ada").browser.post("/admin/accounts/r1/role", { role: "moderator" });
    await refused(c, remote, 403, "Remote accounts have no role here");
    expect(await c.page(c.member("ada").browser, "/admin/accounts/r1")).not.toContain("Change role");
  });

  test("the owner makes and unmakes admins; nobody can take the owner's role, not even the owner", async () => {
    const c = await community(["ada", "adm", "bob"]);
    setRole(c, "adm", "admin");
    expect((await change(c, "ada", "bob", "admin")).status).toBe(303);
    expect(roleOf(c, "bob")).toBe("admin");
    expect((await change(c, "ada", "adm", "user")).status).toBe(303);
    expect(roleOf(c, "adm")).toBe("user");
    await refused(
      c,
      await change(c, "bob", "ada", "admin"),
      403,
      "The owner&#x27;s role cannot be taken away: there is exactly one owner",
    );
    await refused(c, await change(c, "ada", "ada", "admin"), 403, "there is exactly one owner: to step down, pass ownership");
    const own = await c.page(c.member("ada").browser, `/admin/accounts/${c.member("ada").accountId}`);
    expect(own).toContain("to step down, pass ownership to another member from their page");
    expect(own).not.toContain("Change role");
  });

  test("the owner passes ownership on with their password and becomes an admin; there is still one owner", async () => {
    const c = await community(["ada", "bob", "eve"]);
    const ada = c.member("ada").browser;
    const page = await c.page(ada, `/admin/accounts/${c.member("bob").accountId}`);
    expect(page).toContain('id="role-owner"');
    expect(page).toContain('name="password"');
    const missing = await change(c, "ada", "bob", "owner");
    await refused(c, missing, 422, "Enter your password to pass ownership on.");
    const wrong = await change(c, "ada", "bob", "owner", "not my password");
    const text = await wrong.clone().text();
    expect(text).toContain('aria-invalid="true"'); // the message sits next to the password field
    await refused(c, wrong, 422, "The password is wrong.");
    // Ownership goes only to an active member.
    await ada.post(`/admin/accounts/${c.member("eve").accountId}/action`, { action: "suspend", reason: "" });
    await refused(c, await change(c, "ada", "eve", "owner", PASSWORD), 403, "Ownership can only pass to an active member");

    expect((await change(c, "ada", "bob", "owner", PASSWORD)).status).toBe(303);
    expect(roleOf(c, "bob")).toBe("owner");
    expect(roleOf(c, "ada")).toBe("admin");
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM users WHERE role = 'owner'").get()).toEqual({ n: 1 });
    const audit = await c.page(ada, "/admin/audit"); // an admin still reads it
    expect(audit).toContain("user → owner");
    expect(audit).toContain("owner → admin");
    // The new owner can now act on the old one, who cannot act on them.
    await refused(c, await change(c, "ada", "bob", "admin"), 403, "The owner&#x27;s role cannot be taken away");
    expect((await change(c, "bob", "ada", "moderator")).status).toBe(303);
  });
});
