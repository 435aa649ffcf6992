// E-mail domain blocks: admins stop sign-ups from a provider (and its subdomains) on the admin
// page or through Mastodon's moderation API; members who have such an address keep their accounts.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { updateSettings } from "../src/core/instance.ts";
import { auditLog, users } from "../src/db/schema.ts";
import { json, signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { authorizeApp } from "./helpers/oauth.ts";

// argon2 at each sign-up and sign-in.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["olga", "mo", "ada"]);
t.deps.db
  .update(users)
  .set({ role: "moderator" })
  .where(eq(users.accountId, m("mo").id))
  .run();
t.deps.db
  .update(users)
  .set({ email: "ada@mail.throwaway.example" })
  .where(eq(users.accountId, m("ada").id))
  .run();
updateSettings(t.deps.db, { registrationMode: "open" });
const send = (request: Request) => t.app.handle(request);

const signUp = (username: string, email: string) =>
  new WebClient(send).post("/signup", {
    username,
    email,
    password: "correct horse battery",
    password_confirmation: "correct horse battery",
    agreement: "1",
  });

test("a blocked provider cannot sign up, nor its subdomains; others can; unblocked, it can again", async () => {
  const olga = m("olga").browser;
  expect((await olga.post("/admin/email-domain-blocks", { domain: "Throwaway.Example" })).status).toBe(303);
  const page = await (await olga.get("/admin/email-domain-blocks")).text();
  expect(page).toContain("<strong>throwaway.example</strong>");
  expect(page).toContain("1 member uses it"); // ada, at a subdomain: she keeps her account

  for (const email of ["spam@throwaway.example", "spam@MX.throwaway.example"]) {
    const refused = await signUp("spammer", email);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("Sign-ups with addresses at this e-mail provider are not allowed here.");
  }
  expect((await signUp("nora", "nora@notthrowaway.example")).status).toBe(303);
  // An international domain is the same in either form; trailing dots change nothing.
  expect((await olga.post("/admin/email-domain-blocks", { domain: "bücher.example" })).status).toBe(303);
  for (const email of ["spam@xn--bcher-kva.example", "spam@BÜCHER.example..", "spam@throwaway.example.."])
    expect((await signUp("spammer", email)).status).toBe(422);
  expect(t.database.sqlite.query("SELECT count(*) AS n FROM users WHERE email LIKE 'spam@%'").get()).toEqual({ n: 0 });

  expect((await olga.post("/admin/email-domain-blocks/%25E0%25A4%25A/delete", {})).status).toBe(404);
  expect((await olga.post("/admin/email-domain-blocks/throwaway.example/delete", {})).status).toBe(303);
  expect((await signUp("otto", "otto@throwaway.example")).status).toBe(303);
  const actions = t.deps.db.select({ action: auditLog.action, target: auditLog.targetId }).from(auditLog).all();
  expect(actions).toContainEqual({ action: "email_domain.block", target: "throwaway.example" });
  expect(actions).toContainEqual({ action: "email_domain.unblock", target: "throwaway.example" });
});

test("what is no e-mail domain, or one blocked already, gets a message next to the field", async () => {
  const olga = m("olga").browser;
  for (const [domain, message] of [
    ["not a domain", "Enter an e-mail domain like mail.example."],
    ["mail.example:25", "Enter an e-mail domain like mail.example."],
    ["", "Enter an e-mail domain like mail.example."],
  ]) {
    const res = await olga.post("/admin/email-domain-blocks", { domain: domain ?? "" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(message ?? "");
  }
  // An address pasted whole is taken for its domain.
  expect((await olga.post("/admin/email-domain-blocks", { domain: "someone@junk.example" })).status).toBe(303);
  const again = await olga.post("/admin/email-domain-blocks", { domain: "junk.example" });
  expect(again.status).toBe(422);
  expect(await again.text()).toContain("junk.example is blocked already.");
});

test("the moderation API lists, adds and removes them, for admins only", async () => {
  const tokens = new Map<string, string>();
  for (const name of ["olga", "mo"]) {
    const { token } = await authorizeApp(send, origin, m(name).browser, { scopes: "admin:read admin:write" });
    tokens.set(name, token);
  }
  const call = async (who: string, method: string, path: string, body?: Record<string, unknown>) => {
    const response = await send(
      new Request(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.get(who)}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }),
    );
    return { status: response.status, json: await json(response) };
  };
  const created = await call("olga", "POST", "/api/v1/admin/email_domain_blocks", { domain: "burner.example" });
  expect(created.status).toBe(200);
  expect(created.json).toMatchObject({ id: "burner.example", domain: "burner.example", history: [] });
  expect(
    (await call("olga", "GET", "/api/v1/admin/email_domain_blocks")).json.map((b: { domain: string }) => b.domain),
  ).toContain("burner.example");
  expect((await call("olga", "GET", "/api/v1/admin/email_domain_blocks/burner.example")).json.domain).toBe("burner.example");
  const twice = await call("olga", "POST", "/api/v1/admin/email_domain_blocks", { domain: "burner.example" });
  expect(twice.status).toBe(422);
  expect((await call("mo", "GET", "/api/v1/admin/email_domain_blocks")).status).toBe(403);
  expect((await call("mo", "DELETE", "/api/v1/admin/email_domain_blocks/burner.example")).status).toBe(403);
  expect((await call("olga", "DELETE", "/api/v1/admin/email_domain_blocks/burner.example")).status).toBe(200);
  expect((await call("olga", "GET", "/api/v1/admin/email_domain_blocks/burner.example")).status).toBe(404);
  expect((await call("olga", "DELETE", "/api/v1/admin/email_domain_blocks/burner.example")).status).toBe(404);
});
