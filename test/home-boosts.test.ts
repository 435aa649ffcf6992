// Home shows a post once: a boost of a post it already shows close by (the original, or an earlier
// boost of it by someone the member follows, from at most a day before) stays out, as Mastodon's
// feeds leave out a boost of one of their 40 newest posts. Boosted again days later, it comes back up.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { follow, mute, setFollowOptions } from "../src/core/follows.ts";
import { reblog } from "../src/core/interactions.ts";
import { addToList, createList, listTimeline } from "../src/core/lists.ts";
import { homeTimeline } from "../src/core/timelines.ts";
import { posts } from "../src/db/schema.ts";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000); // five members' password hashing, on a busy machine

type Actor = { id: string; username: string };
/** Members as the core calls take them (four, so each is defined). */
const actors = (c: Awaited<ReturnType<typeof community>>, names: [string, string, string, string]) =>
  names.map((n) => ({ id: c.member(n).accountId, username: n })) as [Actor, Actor, Actor, Actor];

test("a boost of a post home already shows, or already shows boosted, stays out; days later it shows", async () => {
  const c = await community(["ada", "bob", "cy", "dee", "eve"]);
  const [ada, bob, cy, dee] = actors(c, ["ada", "bob", "cy", "dee"]);
  for (const who of [bob, cy, dee]) follow(c.deps, ada, who.id);
  const home = () => homeTimeline(c.deps.db, ada.id);
  // The live home stream (the page's "new posts", apps) follows the same rule.
  const heard: string[] = [];
  const stop = c.live.add({
    accountId: ada.id,
    streams: [{ name: "user" }],
    showsNotifications: false,
    push: (e) => void ("post" in e && heard.push(e.post.id)),
  });

  const bobs = await c.post("bob", { status: "bob's news" });
  const byCy = reblog(c.deps, cy, bobs);
  const byAda = reblog(c.deps, ada, bobs);
  expect(home()).toEqual([bobs]); // neither cy's boost nor ada's own repeats it

  const eves = await c.post("eve", { status: "eve's news" }); // ada does not follow eve
  const byDee = reblog(c.deps, dee, eves);
  const byCyToo = reblog(c.deps, cy, eves);
  expect(home()).toEqual([byDee, bobs]); // the first boost brings it; the second does not repeat it
  await Bun.sleep(10); // events reach the hub after the call returns
  stop();
  expect(heard).toEqual([bobs, byDee]);

  // Boosted two days after it was posted, the post comes back up.
  const later = new Date(Date.now() + 2 * 86_400_000);
  c.deps.db.update(posts).set({ createdAt: later }).where(eq(posts.id, byCy)).run();
  expect(home()).toEqual([byDee, byCy, bobs]);
  // Others' homes are their own: cy follows nobody, so cy sees cy's boosts and ada's are nobody's business.
  expect(homeTimeline(c.deps.db, cy.id)).toEqual([byCyToo, byCy]);
  expect(byAda).toBeDefined();
});

test("only a copy home shows holds a boost back: not one from someone muted or whose boosts are hidden", async () => {
  const c = await community(["ada", "cy", "dee", "eve", "fay"]);
  const [ada, cy, dee, fay] = actors(c, ["ada", "cy", "dee", "fay"]);
  for (const who of [cy, dee, fay]) follow(c.deps, ada, who.id);
  setFollowOptions(c.deps, ada, cy.id, { showReblogs: false });
  mute(c.deps, ada, fay.id);
  const eves = await c.post("eve", { status: "eve's news" });
  reblog(c.deps, cy, eves); // hidden: ada hides cy's boosts
  reblog(c.deps, fay, eves); // hidden: ada muted fay
  const byDee = reblog(c.deps, dee, eves);
  expect(homeTimeline(c.deps.db, ada.id)).toEqual([byDee]);
});

test("a list shows a post once too: a boost of a post the list already shows stays out", async () => {
  const c = await community(["ada", "bob", "cy", "dee", "eve"]);
  const [ada, bob, cy, dee] = actors(c, ["ada", "bob", "cy", "dee"]);
  for (const who of [bob, cy, dee]) follow(c.deps, ada, who.id);
  const list = createList(c.deps, ada, { title: "friends" });
  addToList(c.deps, ada, list.id, [bob.id, cy.id]);
  const listed = () => listTimeline(c.deps.db, ada.id, list.id);

  const bobs = await c.post("bob", { status: "bob's news" });
  reblog(c.deps, cy, bobs);
  expect(listed()).toEqual([bobs]); // cy's boost would repeat bob's post
  const eves = await c.post("eve", { status: "eve's news" });
  const byDee = reblog(c.deps, dee, eves); // dee is not in the list: this boost does not count there
  const byCy = reblog(c.deps, cy, eves);
  expect(listed()).toEqual([byCy, bobs]);
  expect(homeTimeline(c.deps.db, ada.id)).toEqual([byDee, bobs]);
});
