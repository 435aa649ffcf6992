import { getLogger } from "@logtape/logtape";
import { eq } from "drizzle-orm";
import type { DomainEvents } from "../core/events.ts";
import { setFieldVerified } from "../core/profile.ts";
import type { Db } from "../db/open.ts";
import { accounts } from "../db/schema.ts";
import { guardedFetch } from "./guarded-fetch.ts";

const logger = getLogger(["skein", "links"]);

/** The rel="me" links of an HTML page. */
export async function relMeLinks(html: string, base: string): Promise<string[]> {
  const found: string[] = [];
  const collect = {
    element(el: { getAttribute(name: string): string | null }) {
      const rel = (el.getAttribute("rel") ?? "").toLowerCase().split(/\s+/);
      const href = el.getAttribute("href");
      if (rel.includes("me") && href && URL.canParse(href, base)) found.push(new URL(href, base).href);
    },
  };
  await new HTMLRewriter().on("a[rel]", collect).on("link[rel]", collect).transform(new Response(html)).text();
  return found;
}

/**
 * Checks a member's link fields like Mastodon does: a field is verified when the linked page
 * links back to the profile with rel="me". Runs after each profile save, off the request.
 */
export function verifyProfileLinks(deps: { db: Db; events: DomainEvents; baseUrl: URL; allowPrivate: boolean }) {
  deps.events.on("account.updated", async ({ accountId }) => {
    const account = deps.db.select().from(accounts).where(eq(accounts.id, accountId)).get();
    if (!account || account.domain) return;
    const profile = new URL(`/@${account.username}`, deps.baseUrl).href;
    for (const field of account.fields) {
      const value = field.value.trim();
      if (!/^https?:\/\/\S+$/.test(value) || field.verifiedAt) continue;
      try {
        const page = await guardedFetch(value, { allowPrivate: deps.allowPrivate, maxBytes: 1024 * 1024 });
        const links = page.status === 200 ? await relMeLinks(page.text, page.url) : [];
        if (links.includes(profile)) setFieldVerified(deps.db, accountId, value, new Date().toISOString());
      } catch (error) {
        logger.info("Could not check the link {value} of @{username}: {error}", { value, username: account.username, error });
      }
    }
  });
}
