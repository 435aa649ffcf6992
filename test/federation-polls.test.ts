// Polls between real servers over TLS: two Skein instances and the independent Fedify peer.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { eventuallyShows } from "./helpers/client.ts";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";
import type { JsonObject } from "./helpers/peer.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;
let two: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 2, peer: true });
  [one, two] = [lab.instance(0), lab.instance(1)];
  await one.createUser("alice");
  await two.createUser("bob");
});
afterAll(() => stopLab());

const voteForm = /action="\/statuses\/([^/"]+)\/votes"/;

test("Skein to Skein: a poll reaches a follower, whose vote is counted on the poll's server", () =>
  lab.explain(async () => {
    const alice = await one.login("alice");
    const bob = await two.login("bob");
    await bob.get(`/search?q=${encodeURIComponent(`@${one.handle("alice")}`)}`);
    const profile = await (await bob.get(`/@${one.handle("alice")}`)).text();
    const aliceId = /action="\/accounts\/([^/]+)\/follow"/.exec(profile)?.[1];
    await bob.post(`/accounts/${aliceId}/follow`, {});
    await eventuallyShows(alice, "/notifications", "followed you");

    await alice.post("/statuses", [
      ["status", "Rye or spelt?"],
      ["visibility", "public"],
      ["poll[options][]", "Rye"],
      ["poll[options][]", "Spelt"],
      ["poll[expires_in]", "86400"],
    ]);
    const home = await eventuallyShows(bob, "/", "Rye or spelt?");
    const remoteId = voteForm.exec(home)?.[1];
    expect(remoteId).toBeDefined();
    expect(home).toContain("<span>Spelt</span>");
    expect((await bob.post(`/statuses/${remoteId}/votes`, { choices: "1" })).status).toBe(303);
    // bob sees his vote at once; alice's server counts it when his Note arrives.
    expect(await (await bob.get("/")).text()).toMatch(/<strong>100%<\/strong> <span>Spelt<\/span><span class="poll-mine">/);
    const alicePage = await eventuallyShows(alice, "/", "1 person");
    expect(alicePage).toMatch(/<strong>100%<\/strong> <span>Spelt<\/span>/);
    // The vote is a vote, not a reply.
    expect(alicePage).not.toContain("Spelt</p>");
  }));

test("with Fedify: Skein's poll is a Question; the peer's vote counts; Skein votes in the peer's Question and follows its counts", () =>
  lab.explain(async () => {
    const { peer } = lab;
    const alice = await one.login("alice");
    const pat = await peer.createActor("pat");
    await peer.follow(pat, `acct:${one.handle("alice")}`);
    await peer.waitFor({ type: "Accept" });

    await alice.post("/statuses", [
      ["status", "Butter or jam?"],
      ["visibility", "public"],
      ["poll[options][]", "Butter"],
      ["poll[options][]", "Jam"],
      ["poll[expires_in]", "3600"],
      ["poll[multiple]", "true"],
    ]);
    const create = await peer.waitFor((a) => a.type === "Create" && a.objectType === "Question");
    const question = create.json.object as JsonObject;
    const options = question.anyOf as JsonObject[];
    expect(options.map((o) => o.name)).toEqual(["Butter", "Jam"]);
    expect(options.map((o) => (o.replies as JsonObject).totalItems)).toEqual([0, 0]);
    expect(typeof question.endTime).toBe("string");
    // Served at its own URL as a Question too.
    expect((await peer.lookup(question.id as string)).type).toBe("Question");

    // pat votes as Mastodon does: a Note named after the option, answering the Question.
    await peer.reply(pat, create.object as string, { name: "Jam", to: one.handle("alice"), visibility: "direct" });
    const counted = await eventuallyShows(alice, "/", "1 person");
    expect(counted).toMatch(/<strong>100%<\/strong> <span>Jam<\/span>/);
    expect(counted).toMatch(/<strong>0%<\/strong> <span>Butter<\/span>/);
    // A name that is no option makes a reply, not a vote (as on Mastodon).
    await peer.reply(pat, create.object as string, { name: "Marmalade", to: one.handle("alice") });
    await eventuallyShows(alice, "/notifications", "mentioned you");
    expect(await (await alice.get("/")).text()).toContain("1 person");

    // The peer's own poll, naming alice: she votes in it from the page.
    const endTime = new Date(Date.now() + 3600_000).toISOString();
    const posted = await peer.post(pat, {
      text: "Red or blue?",
      mentions: [one.handle("alice")],
      poll: { options: ["Red", "Blue"], counts: [2, 1], endTime, voters: 3 },
    });
    const notifications = await eventuallyShows(alice, "/notifications", "Red or blue?");
    const id = voteForm.exec(notifications)?.[1];
    expect(id).toBeDefined();
    await alice.post(`/statuses/${id}/votes`, { choices: "1" });
    const vote = await peer.waitFor(
      (a) => a.type === "Create" && a.objectType === "Note" && (a.json.object as JsonObject).inReplyTo === posted.note,
    );
    const note = vote.json.object as JsonObject;
    expect(note.name).toBe("Blue");
    // To pat's own inbox, addressed to pat alone.
    expect([vote.recipient, note.to]).toEqual(["pat", pat.id]);
    expect(note.content).toBeUndefined();

    // The peer sends its new counts: alice's page shows them, her choice still marked.
    await peer.edit(pat, posted.note, { text: "Red or blue?", poll: { options: ["Red", "Blue"], counts: [2, 6], endTime } });
    const updated = await eventuallyShows(
      alice,
      `/notifications`,
      /<strong>75%<\/strong> <span>Blue<\/span><span class="poll-mine">/,
    );
    expect(updated).toMatch(/<strong>25%<\/strong> <span>Red<\/span>/);

    // New counts the peer never sends: the post's page, and an app asking for the poll, fetch them again.
    await peer.edit(pat, posted.note, {
      text: "Red or blue?",
      poll: { options: ["Red", "Blue"], counts: [8, 12], endTime },
      silent: true,
    });
    const page = await (await alice.get(`/@pat@${new URL(peer.url).host}/${id}`)).text();
    expect(page).toMatch(/<strong>60%<\/strong> <span>Blue<\/span>/);
  }));
