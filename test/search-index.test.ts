// The full-text index follows posts through creation, edits, a remote author's updates and
// deletion, each post finding its own row by rowid (never by scanning the index).
import { expect, test } from "bun:test";
import { createPost, deletePost, editPost } from "../src/core/posts.ts";
import { deleteRemotePost, receiveRemotePost } from "../src/core/remote.ts";
import { searchPosts } from "../src/core/search.ts";
import { community } from "./helpers/community.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

test("search finds a post's current text only, and nothing once it is deleted", async () => {
  const c = await community(["ada"]);
  const ada = { id: c.member("ada").accountId, username: "ada" };
  const db = c.deps.db;
  const sqlite = c.database.sqlite;
  const search = (q: string) => searchPosts(db, ada.id, q);
  const rows = () => sqlite.query("SELECT count(*) AS n FROM posts_search").get();

  const mine = await createPost(c.deps, ada, { status: "a first draft about zebrafinches" });
  await createPost(c.deps, ada, { status: "another post about zebrafinches" });
  expect(search("zebrafinches")).toHaveLength(2);
  editPost(c.deps, ada, mine.id, { status: "now about kingfishers" });
  expect(search("kingfishers")).toEqual([mine.id]);
  expect(search("draft")).toEqual([]);
  expect(rows()).toEqual({ n: 2 });

  const bob = storeRemoteAccount(db, "https://remote.example/users/bob", { displayName: "Bob" });
  const note = (plainText: string) => remoteNote(bob.id, "https://remote.example/notes/1", { plainText });
  const remote = receiveRemotePost(c.deps, note("herons at dawn"));
  receiveRemotePost(c.deps, note("egrets at dusk")); // the author's Update
  expect(search("egrets")).toEqual([remote.id]);
  expect(search("herons")).toEqual([]);
  expect(rows()).toEqual({ n: 3 });

  deleteRemotePost(c.deps, remote.uri as string, bob.id);
  deletePost(c.deps, ada, mine.id);
  expect(search("egrets")).toEqual([]);
  expect(search("kingfishers")).toEqual([]);
  expect(search("zebrafinches")).toHaveLength(1);
  expect(rows()).toEqual({ n: 1 });
});
