import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import {
  allowDomain,
  disallowDomain,
  federationAllowed,
  followsCutByAllowlist,
  listDomainAllows,
} from "../src/core/domain-allows.ts";
import { blockDomain } from "../src/core/domain-blocks.ts";
import { ValidationError } from "../src/core/errors.ts";
import { DomainEvents } from "../src/core/events.ts";
import { getSettings, updateSettings } from "../src/core/instance.ts";
import { federatedTimeline } from "../src/core/timelines.ts";
import { tempDatabase } from "./helpers/db.ts";

let database: ReturnType<typeof tempDatabase>;
let deps: { db: typeof database.db; events: DomainEvents; baseUrl: URL };
let staff: string;

beforeEach(async () => {
  database = tempDatabase();
  deps = { db: database.db, events: new DomainEvents(), baseUrl: new URL("https://social.example") };
  staff = (
    await createLocalUser(deps, { username: "ada", email: "ada@example.com", password: "correct horse battery", role: "owner" })
  ).accountId;
});
afterEach(() => database.cleanup());

const block = (domain: string, severity: "silence" | "suspend" | "noop") =>
  blockDomain(deps, staff, {
    domain,
    severity,
    rejectMedia: false,
    rejectReports: false,
    publicComment: "",
    privateComment: "",
    obfuscate: false,
  });
const allowed = (host: string | null) => federationAllowed(deps.db, host);
const mode = (federationMode: "blocklist" | "allowlist") => updateSettings(deps.db, { federationMode });

describe("the federation rule", () => {
  test("blocklist mode (the default): every server but the suspended ones", () => {
    expect(getSettings(deps.db).federationMode).toBe("blocklist");
    block("bad.example", "suspend");
    block("noisy.example", "silence");
    expect(allowed("friendly.example")).toBe(true);
    expect(allowed("noisy.example")).toBe(true); // limited, still federated with
    expect(allowed("bad.example")).toBe(false);
    expect(allowed("sub.bad.example")).toBe(false); // subdomains are covered
    expect(allowed("Sub.Bad.Example")).toBe(false);
    expect(allowed("notbad.example")).toBe(true); // a suffix that is not a subdomain
    expect(allowed("bad.example:8443")).toBe(true); // the port is part of the domain
    expect(allowed(null)).toBe(true); // local
  });

  test("a Limit on a subdomain overrides its parent's suspension (the most specific block wins)", () => {
    block("bad.example", "suspend");
    block("ok.bad.example", "silence");
    expect(allowed("ok.bad.example")).toBe(true);
    expect(allowed("other.bad.example")).toBe(false);
  });

  test("allowlist mode: only listed servers and their subdomains, exact port", () => {
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    allowDomain(deps, staff, { domain: "https://Ported.Example:8443/", comment: "" });
    // The list does nothing in blocklist mode.
    expect(allowed("stranger.example")).toBe(true);
    mode("allowlist");
    expect(allowed("friends.example")).toBe(true);
    expect(allowed("sub.friends.example")).toBe(true);
    expect(allowed("friends.example:8443")).toBe(false);
    expect(allowed("ported.example:8443")).toBe(true);
    expect(allowed("ported.example")).toBe(false);
    expect(allowed("stranger.example")).toBe(false);
    expect(allowed("example")).toBe(false); // a parent of a listed domain is not listed
    expect(allowed(null)).toBe(true);
    mode("blocklist");
    expect(allowed("stranger.example")).toBe(true);
  });

  test("allowlist mode: a suspension wins over the allow-list", () => {
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    block("rogue.friends.example", "suspend");
    mode("allowlist");
    expect(allowed("friends.example")).toBe(true);
    expect(allowed("rogue.friends.example")).toBe(false);
  });

  test("posts from servers not listed are hidden in allowlist mode, and come back when listed", () => {
    const db = database.sqlite;
    for (const [id, domain] of [
      ["r1", "friends.example"],
      ["r2", "stranger.example"],
    ] as const) {
      db.run("INSERT INTO accounts (id, username, domain, uri) VALUES (?, ?, ?, ?)", [
        id,
        id,
        domain,
        `https://${domain}/u/${id}`,
      ]);
      db.run("INSERT INTO posts (id, account_id, uri, content_html, visibility) VALUES (?, ?, ?, ?, 'public')", [
        `${id}-p`,
        id,
        `https://${domain}/p/1`,
        "<p>hi</p>",
      ]);
    }
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    expect(federatedTimeline(deps.db, null).sort()).toEqual(["r1-p", "r2-p"]);
    mode("allowlist");
    expect(federatedTimeline(deps.db, null)).toEqual(["r1-p"]);
    allowDomain(deps, staff, { domain: "stranger.example", comment: "" });
    expect(federatedTimeline(deps.db, null).sort()).toEqual(["r1-p", "r2-p"]);
  });
});

describe("the allow-list", () => {
  test("entries are normalized, audited, and refused when nonsense, duplicate or our own", () => {
    const row = allowDomain(deps, staff, { domain: " HTTPS://Friends.Example./path ", comment: " our friends " });
    expect(row).toMatchObject({ domain: "friends.example", comment: "our friends", createdBy: staff });
    const problem = (domain: string, comment = "") => {
      try {
        allowDomain(deps, staff, { domain, comment });
        return "";
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return Object.values(error.fields).join(" ");
      }
    };
    expect(problem("friends.example")).toContain("already on the allow-list");
    expect(problem("not a domain!")).toContain("Enter a domain like social.example");
    expect(problem("")).toContain("Enter a domain");
    expect(problem("social.example")).toContain("own domain");
    expect(problem("ok.example", "x".repeat(1001))).toContain("under 1000 characters");
    expect(listDomainAllows(deps.db).map((a) => a.domain)).toEqual(["friends.example"]);
    disallowDomain(deps, staff, "Friends.Example");
    expect(listDomainAllows(deps.db)).toEqual([]);
    expect(() => disallowDomain(deps, staff, "friends.example")).toThrow("not on the allow-list");
    const actions = database.sqlite.query("SELECT action, target_id FROM audit_log ORDER BY id").all();
    expect(actions).toEqual([
      { action: "domain.allow", target_id: "friends.example" },
      { action: "domain.disallow", target_id: "friends.example" },
    ]);
  });

  test("follows the switch would cut: those with accounts on servers not listed", () => {
    const db = database.sqlite;
    for (const [id, domain] of [
      ["r1", "friends.example"],
      ["r2", "sub.friends.example"],
      ["r3", "stranger.example"],
    ] as const) {
      db.run("INSERT INTO accounts (id, username, domain, uri) VALUES (?, ?, ?, ?)", [
        id,
        id,
        domain,
        `https://${domain}/u/${id}`,
      ]);
      db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')", [`f-${id}`, staff, id]);
    }
    db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES ('back', 'r3', ?, 'accepted')", [staff]);
    expect(followsCutByAllowlist(deps.db)).toBe(4);
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    expect(followsCutByAllowlist(deps.db)).toBe(2);
    mode("allowlist");
    // Switching deletes nothing.
    expect(db.query("SELECT count(*) AS n FROM follows").get()).toEqual({ n: 4 });
  });
});
