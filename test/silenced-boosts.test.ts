// A boost brings nobody back: a post by someone the viewer blocked or muted, or by an account on
// a domain they blocked, stays out of their home when an account they follow boosts it.
import { expect, test } from "bun:test";
import { block, blockDomainFor, follow, mute, unblock, unmute } from "../src/core/follows.ts";
import { reblog } from "../src/core/interactions.ts";
import { receiveRemotePost } from "../src/core/remote.ts";
import { homeTimeline } from "../src/core/timelines.ts";
import { community } from "./helpers/community.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

test("boosts of blocked, muted and domain-blocked authors' posts stay out of home", async () => {
  const c = await community(["ada", "bob", "cy"]);
  const [ada, bob, cy] = ["ada", "bob", "cy"].map((n) => ({ id: c.member(n).accountId, username: n })) as [
    { id: string; username: string },
    { id: string; username: string },
    { id: string; username: string },
  ];
  const carol = storeRemoteAccount(c.deps.db, "https://far.example/users/carol");
  follow(c.deps, ada, bob.id);
  const local = await c.post("cy", { status: "cy's post" });
  const remote = receiveRemotePost(c.deps, remoteNote(carol.id, "https://far.example/notes/1", { plainText: "carol's post" }));
  const boostOfLocal = reblog(c.deps, bob, local);
  const boostOfRemote = reblog(c.deps, bob, remote.id);
  const home = () => homeTimeline(c.deps.db, ada.id);
  expect(home()).toEqual([boostOfRemote, boostOfLocal]);

  block(c.deps, ada, cy.id);
  expect(home()).toEqual([boostOfRemote]);
  unblock(c.deps, ada, cy.id);
  mute(c.deps, ada, cy.id);
  expect(home()).toEqual([boostOfRemote]);
  unmute(c.deps, ada, cy.id);
  blockDomainFor(c.deps, ada, "far.example");
  expect(home()).toEqual([boostOfLocal]);
  expect(homeTimeline(c.deps.db, bob.id)).toEqual([boostOfRemote, boostOfLocal]); // only ada's view changed
});
