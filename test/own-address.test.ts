// An address is this server's only when its origin is ours: `https://social.example.org/…` and
// `https://social.example:30001/…` belong to other servers even though they start as ours does.
import { expect, setDefaultTimeout, test } from "bun:test";
import { findPostByUri, receiveRemotePost } from "../src/core/remote.ts";
import { community } from "./helpers/community.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

setDefaultTimeout(60_000);

test("a neighbour's post whose address starts as ours is found as theirs, and a reply to it joins its thread", async () => {
  const c = await community(["ada"]);
  const dee = storeRemoteAccount(c.deps.db, "https://social.example.org/users/dee");
  const uri = "https://social.example.org/@dee/0196a1b2-0000-7000-8000-000000000001";
  const parent = receiveRemotePost(c.deps, remoteNote(dee.id, uri, { plainText: "the first" }));
  expect(findPostByUri(c.deps.db, c.deps.baseUrl, uri)?.id).toBe(parent.id);
  const reply = receiveRemotePost(
    c.deps,
    remoteNote(dee.id, "https://social.example.org/@dee/0196a1b2-0000-7000-8000-000000000002", {
      plainText: "the second",
      inReplyToUri: uri,
    }),
  );
  expect(reply.inReplyToId).toBe(parent.id);
  // Another port is another server too.
  const ported = storeRemoteAccount(c.deps.db, "https://social.example:30001/users/dee");
  const portUri = "https://social.example:30001/@dee/0196a1b2-0000-7000-8000-000000000003";
  const onPort = receiveRemotePost(c.deps, remoteNote(ported.id, portUri, { plainText: "next door" }));
  expect(findPostByUri(c.deps.db, c.deps.baseUrl, portUri)?.id).toBe(onPort.id);
});

test("the moderators' account search takes a member's full handle on this server", async () => {
  const c = await community(["ada", "bob"]);
  const found = await c.page(c.member("ada").browser, "/admin/accounts?q=%40bob%40social.example");
  expect(found).toContain(`/admin/accounts/${c.member("bob").accountId}`);
  expect(found).not.toContain(`/admin/accounts/${c.member("ada").accountId}"`);
});
