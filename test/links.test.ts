import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { accounts } from "../src/db/schema.ts";
import { FetchRefused, guardedFetch } from "../src/federation/guarded-fetch.ts";
import { relMeLinks, verifyProfileLinks } from "../src/federation/profile-links.ts";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

describe("addresses Skein refuses to fetch from", () => {
  // Each address form is in guarded-fetch.test.ts.
  test("a fetch to loopback is refused unless private addresses are allowed for tests", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hi") });
    try {
      await expect(guardedFetch(`http://127.0.0.1:${server.port}/`, { allowPrivate: false })).rejects.toBeInstanceOf(
        FetchRefused,
      );
      await expect(guardedFetch(`http://localhost:${server.port}/`, { allowPrivate: false })).rejects.toBeInstanceOf(
        FetchRefused,
      );
      await expect(guardedFetch("file:///etc/passwd", { allowPrivate: true })).rejects.toBeInstanceOf(FetchRefused);
      expect((await guardedFetch(`http://127.0.0.1:${server.port}/`, { allowPrivate: true })).text).toBe("hi");
    } finally {
      server.stop(true);
    }
  });
});

describe('profile links verified with rel="me"', () => {
  test("reads rel=me from links and anchors", async () => {
    const html = `<link rel="me" href="https://a.example/@x"><a rel="nofollow me" href="/@y">y</a><a href="https://b.example">no</a>`;
    expect(await relMeLinks(html, "https://site.example/page")).toEqual(["https://a.example/@x", "https://site.example/@y"]);
  });

  test("a field whose page links back is marked verified and shown so", async () => {
    const c = await community(["ada"]);
    verifyProfileLinks({ db: c.deps.db, events: c.deps.events, baseUrl: c.deps.baseUrl, allowPrivate: true });
    const site = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (r) =>
        new URL(r.url).pathname === "/me"
          ? new Response(`<html><body><a rel="me" href="https://social.example/@ada">Mastodon</a></body></html>`, {
              headers: { "content-type": "text/html" },
            })
          : new Response("<html>nothing here</html>"),
    });
    try {
      const ada = c.member("ada").browser;
      const form = new FormData();
      form.set("_csrf", await ada.csrf());
      form.append("field_name", "Website");
      form.append("field_value", `http://127.0.0.1:${site.port}/me`);
      form.append("field_name", "Other");
      form.append("field_value", `http://127.0.0.1:${site.port}/other`);
      expect((await ada.request("/settings/profile", { method: "POST", body: form })).status).toBe(303);
      const fields = async () =>
        c.deps.db.select({ fields: accounts.fields }).from(accounts).where(eq(accounts.username, "ada")).get()?.fields ?? [];
      for (let i = 0; i < 100 && !(await fields())[0]?.verifiedAt; i++) await Bun.sleep(20);
      const [website, other] = await fields();
      expect(website?.verifiedAt).toBeDefined();
      expect(other?.verifiedAt).toBeUndefined();
      expect(await c.page(c.visitor, "/@ada")).toContain("✓ verified");
    } finally {
      site.stop(true);
    }
  });
});
