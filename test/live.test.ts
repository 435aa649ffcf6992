import { expect, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import { createLiveHub, type LiveEvent, type LiveStreamName } from "../src/core/live.ts";
import { addToList, createList, deleteList } from "../src/core/lists.ts";
import { deleteRemotePost, receiveRemotePost } from "../src/core/remote.ts";
import { newId } from "../src/db/ids.ts";
import { follows } from "../src/db/schema.ts";
import { testApp } from "./helpers/app.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

/** A hub over a new instance: ada, its owner, and bea and cal on another server. */
async function aHub() {
  const t = testApp();
  const hub = createLiveHub(t.deps);
  const { accountId: ada } = await createLocalUser(t.deps, {
    username: "ada",
    email: "ada@example.com",
    password: "correct horse battery",
    role: "owner",
  });
  const bea = storeRemoteAccount(t.deps.db, "https://far.example/users/bea");
  const cal = storeRemoteAccount(t.deps.db, "https://far.example/users/cal");
  const follow = (id: string) =>
    t.deps.db.insert(follows).values({ id: newId(), followerId: ada, followingId: id, state: "accepted" }).run();
  return { t, hub, ada, bea, cal, follow };
}

test("posts from other servers stream live: home to their followers, the public streams when public", async () => {
  const { t, hub, ada, bea: followed, cal: stranger, follow } = await aHub();
  follow(followed.id);
  const heard: string[] = [];
  const listen = (accountId: string | null, name: LiveStreamName) =>
    hub.add({
      accountId,
      streams: [{ name }],
      showsNotifications: true,
      push: (e: LiveEvent) => void heard.push(`${name} ${e.type} ${"post" in e ? (e.post.text ?? e.post.contentHtml) : ""}`),
    });
  listen(ada, "user");
  listen(null, "public:remote");
  listen(ada, "user:notification");

  receiveRemotePost(t.deps, remoteNote(followed.id, "https://far.example/notes/1", { plainText: "from bea" }));
  receiveRemotePost(t.deps, remoteNote(stranger.id, "https://far.example/notes/2", { plainText: "from cal" }));
  receiveRemotePost(
    t.deps,
    remoteNote(followed.id, "https://far.example/notes/3", { plainText: "for followers", visibility: "private" }),
  );
  await Bun.sleep(20);
  expect(heard.sort()).toEqual([
    "public:remote update <p>from bea</p>",
    "public:remote update <p>from cal</p>",
    "user update <p>for followers</p>",
    "user update <p>from bea</p>",
  ]);

  // The author edits (Update) and deletes (Delete): both reach the streams too.
  heard.length = 0;
  receiveRemotePost(t.deps, remoteNote(followed.id, "https://far.example/notes/1", { plainText: "from bea, edited" }));
  deleteRemotePost(t.deps, "https://far.example/notes/2", stranger.id);
  await Bun.sleep(20);
  expect(heard.sort()).toEqual([
    "public:remote delete ",
    "public:remote status.update <p>from bea, edited</p>",
    "user delete ",
    "user status.update <p>from bea, edited</p>",
  ]);
});

test("a list's stream carries the posts its timeline shows, for its owner only", async () => {
  const { t, hub, ada, bea, cal, follow } = await aHub();
  for (const followed of [bea, cal]) follow(followed.id);
  const owner = { id: ada, username: "ada" };
  const list = createList(t.deps, owner, { title: "far friends" });
  addToList(t.deps, owner, list.id, [bea.id]);
  const heard: string[] = [];
  hub.add({
    accountId: ada,
    streams: [{ name: "list", list: list.id }],
    showsNotifications: false,
    push: (e: LiveEvent) => void heard.push(`${e.stream.list === list.id} ${"post" in e ? e.post.contentHtml : e.type}`),
  });
  receiveRemotePost(t.deps, remoteNote(bea.id, "https://far.example/notes/1", { plainText: "in the list" }));
  receiveRemotePost(t.deps, remoteNote(cal.id, "https://far.example/notes/2", { plainText: "not in it" }));
  await Bun.sleep(20);
  expect(heard).toEqual(["true <p>in the list</p>"]);
  // A list deleted while listened to carries nothing more.
  deleteList(t.deps, owner, list.id);
  receiveRemotePost(t.deps, remoteNote(bea.id, "https://far.example/notes/3", { plainText: "after" }));
  await Bun.sleep(20);
  expect(heard).toHaveLength(1);
});
