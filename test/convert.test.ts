import { expect, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import { DomainEvents } from "../src/core/events.ts";
import { createPost } from "../src/core/posts.ts";
import { loadPostViews } from "../src/core/views.ts";
import { localNote } from "../src/federation/convert.ts";
import { createSkeinFederation } from "../src/federation/federation.ts";
import { SqliteMessageQueue } from "../src/federation/queue.ts";
import { tempDatabase } from "./helpers/db.ts";

test("a post addresses and tags remote people by their actor id (not their profile page), and names its parent", async () => {
  const t = tempDatabase();
  const baseUrl = new URL("https://social.example");
  const deps = { db: t.db, events: new DomainEvents(), baseUrl };
  const federation = createSkeinFederation({
    ...deps,
    config: { url: baseUrl, allowPrivateAddresses: false },
    queue: new SqliteMessageQueue(t.db),
  });
  const { accountId } = await createLocalUser(deps, {
    username: "ada",
    email: "a@example.com",
    password: "correct horse battery",
    role: "owner",
  });
  // Mastodon's actor id and profile page differ.
  t.sqlite.run(
    "INSERT INTO accounts (id, username, domain, uri, url) VALUES ('r1', 'bob', 'mastodon.example', 'https://mastodon.example/users/bob', 'https://mastodon.example/@bob')",
  );
  const parent = await createPost(deps, { id: accountId, username: "ada" }, { status: "first" });
  const post = await createPost(
    deps,
    { id: accountId, username: "ada" },
    { status: "@bob@mastodon.example hi", visibility: "direct", inReplyToId: parent.id },
  );
  const view = loadPostViews(t.db, baseUrl, [post.id], accountId)[0];
  if (!view) throw new Error("no view");
  const note = localNote(federation.createContext(baseUrl, undefined), deps, view);
  expect(note.toIds.map((u) => u.href)).toEqual(["https://mastodon.example/users/bob"]);
  expect(note.replyTargetId?.href).toBe(`https://social.example/@ada/${parent.id}`);
  const json = JSON.stringify(await note.toJsonLd());
  expect(json).toContain('"href":"https://mastodon.example/users/bob"');
  t.cleanup();
});
