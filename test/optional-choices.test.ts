// An optional choice left out stays left out. Elysia fills an absent optional UnionEnum with its
// first value; these pages and calls were answering as if it had been sent (src/schemas.ts).
import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";
import { authorizeApp } from "./helpers/oauth.ts";

setDefaultTimeout(60_000);
const ORIGIN = "https://social.example";

test("pages show a message only when one is asked for", async () => {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  expect(await c.page(ada, "/@bob")).not.toContain("Note saved.");
  expect(await c.page(ada, "/@bob?note=saved")).toContain("Note saved.");
  expect(await c.page(ada, "/settings/filters")).not.toContain("Filter added.");
  expect(await c.page(ada, "/settings/filters?done=added")).toContain("Filter added.");
  expect(await c.page(ada, "/settings/migration")).not.toContain("Your followers are being moved.");
  expect((await ada.get(`/@bob?note=${encodeURIComponent("<b>")}`)).status).toBe(400);
});

test("an app's post without a visibility gets the member's default; a search without a type finds everything", async () => {
  const c = await community(["ada"]);
  const send = (r: Request) => c.app.handle(r);
  const { token } = await authorizeApp(send, ORIGIN, c.member("ada").browser);
  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await send(
      new Request(`${ORIGIN}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    return (await res.json()) as Record<string, unknown>;
  };
  await call("PATCH", "/api/v1/accounts/update_credentials", { source: { privacy: "unlisted" } });
  const posted = await call("POST", "/api/v1/statuses", { status: "quiet words about #zebrafinches" });
  expect(posted.visibility).toBe("unlisted");
  expect((await call("POST", "/api/v1/statuses", { status: "loud", visibility: "public" })).visibility).toBe("public");

  const found = await call("GET", "/api/v2/search?q=zebrafinches");
  expect((found.statuses as unknown[]).length).toBe(1);
  expect((found.hashtags as { name: string }[]).map((h) => h.name)).toEqual(["zebrafinches"]);
  expect((await call("GET", "/api/v2/search?q=zebrafinches&type=accounts")).statuses).toEqual([]);
});
