import { createLocalUser } from "../../src/core/accounts.ts";
import { updateSettings } from "../../src/core/instance.ts";
import { testApp } from "./app.ts";
import { WebClient } from "./client.ts";

export const PASSWORD = "correct horse battery";

/** A test instance with members, each with a logged-in browser stand-in. */
export async function community(names: string[]) {
  const t = testApp("https://social.example");
  updateSettings(t.deps.db, { registrationMode: "open" });
  const members: Record<string, { accountId: string; browser: WebClient }> = {};
  for (const [i, name] of names.entries()) {
    const { accountId } = await createLocalUser(t.deps, {
      username: name,
      email: `${name}@example.com`,
      password: PASSWORD,
      role: i === 0 ? "owner" : "user",
    });
    const browser = new WebClient((r) => t.app.handle(r));
    await browser.login(name, PASSWORD);
    members[name] = { accountId, browser };
  }
  const visitor = new WebClient((r) => t.app.handle(r));
  const member = (name: string) => {
    const m = members[name];
    if (!m) throw new Error(`no member ${name}`);
    return m;
  };
  /** Posts as a member and returns the new post's id. */
  const post = async (name: string, fields: Record<string, string>) => {
    const { browser } = member(name);
    const res = await browser.post("/statuses", fields);
    if (res.status !== 303) throw new Error(`post failed: ${res.status} ${await res.text()}`);
    const row = t.database.sqlite
      .query<{ id: string }, [string]>("SELECT id FROM posts WHERE account_id = ? ORDER BY id DESC LIMIT 1")
      .get(member(name).accountId);
    return row?.id ?? "";
  };
  const page = async (browser: WebClient, path: string) => (await browser.get(path)).text();
  return { ...t, member, visitor, post, page };
}
