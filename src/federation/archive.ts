import type { Federation } from "@fedify/fedify";
import type { ArchiveDocuments } from "../core/archive.ts";
import type { CoreDeps } from "../core/deps.ts";
import { createOf, localNote } from "./convert.ts";

/**
 * The ActivityStreams documents of a member's archive, built by the same code that serves them:
 * the actor dispatcher's Person, and the outbox's Create(Note) for each post (compact JSON-LD).
 */
export function createArchiveDocuments(federation: Federation<void>, deps: CoreDeps): ArchiveDocuments {
  return {
    async actor(username) {
      // getActor needs a request context: one for the actor's own URL, as the outbox's Update does.
      const ctx = federation.createContext(new Request(new URL(`/@${username}`, deps.baseUrl).href), undefined);
      const actor = await ctx.getActor(username);
      return actor ? ((await actor.toJsonLd({ contextLoader: ctx.contextLoader })) as Record<string, unknown>) : {};
    },
    async creates(posts) {
      const ctx = federation.createContext(deps.baseUrl, undefined);
      return Promise.all(
        posts.map(
          async (post) =>
            (await createOf(localNote(ctx, deps, post)).toJsonLd({ contextLoader: ctx.contextLoader })) as Record<
              string,
              unknown
            >,
        ),
      );
    },
  };
}
