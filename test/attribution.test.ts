// Author attribution's rules (core/attribution.ts): which websites may credit an account.
import { expect, test } from "bun:test";
import { attributableFrom, attributionDomainsFrom, creatorHandle, siteName } from "../src/core/attribution.ts";
import { attributionDomainsIn } from "../src/federation/attribution.ts";
import { ValidationError } from "../src/core/errors.ts";

test("a listed site credits from itself and its subdomains, never from look-alikes", () => {
  const domains = ["blog.example", "example.org"];
  for (const host of ["blog.example", "BLOG.example", "www.blog.example", "a.b.example.org", "example.org."])
    expect([host, attributableFrom(domains, host)]).toEqual([host, true]);
  for (const host of ["evilblog.example", "blog.example.evil.test", "example", "org", "other.example"])
    expect([host, attributableFrom(domains, host)]).toEqual([host, false]);
  expect(attributableFrom([], "blog.example")).toBe(false);
});

test("websites as typed become host names; anything else is refused with its text", () => {
  expect(
    attributionDomainsFrom(["https://Blog.Example/", "*.news.example", " ", "http://blog.example", "münchen.example"]),
  ).toEqual(["blog.example", "news.example", "xn--mnchen-3ya.example"]);
  for (const bad of ["not a site", "blog.example/path", "user@blog.example", "blog.example:8080", "<b>", "a..b"]) {
    expect(() => attributionDomainsFrom([bad])).toThrow(ValidationError);
  }
  expect(() => attributionDomainsFrom(Array.from({ length: 101 }, (_, i) => `s${i}.example`))).toThrow("at most 100");
});

test("fediverse:creator names an account as @name@server", () => {
  expect(creatorHandle("@Alice@Social.Example")).toEqual({ username: "Alice", domain: "social.example" });
  expect(creatorHandle("alice@127.0.0.1:8443")).toEqual({ username: "alice", domain: "127.0.0.1:8443" });
  for (const bad of ["@alice", "https://social.example/@alice", "@a b@x.example", ""]) expect(creatorHandle(bad)).toBeNull();
});

test("an actor's attributionDomains as other servers write them; junk dropped; no JSON means not known", () => {
  expect(attributionDomainsIn({ attributionDomains: ["Blog.Example", "https://news.example/", "not a site", 7] })).toEqual([
    "blog.example",
    "news.example",
  ]);
  expect(attributionDomainsIn({ attributionDomains: "one.example" })).toEqual(["one.example"]);
  expect(attributionDomainsIn({ "toot:attributionDomains": [{ id: "a.example" }] })).toEqual(["a.example"]);
  expect(attributionDomainsIn([{ "http://joinmastodon.org/ns#attributionDomains": [{ "@id": "x.example" }] }])).toEqual([
    "x.example",
  ]);
  expect(attributionDomainsIn({ attributionDomains: Array.from({ length: 500 }, (_, i) => `s${i}.example`) })).toHaveLength(100);
  expect(attributionDomainsIn({ id: "https://far.example/users/a" })).toEqual([]);
  expect(attributionDomainsIn(undefined)).toBeUndefined();
  expect(siteName("a".repeat(64) + ".example")).toBeNull();
  expect(siteName("-bad.example")).toBeNull();
  expect(siteName("localhost")).toBe("localhost");
});
