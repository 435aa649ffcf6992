// Fedify's two polyfills are replaced by Bun's own URLPattern and Temporal (shims/README.md):
// what Fedify imports is the runtime's object, and the calls Fedify makes answer as the
// polyfills did (values taken from @js-temporal/polyfill 0.5.1 and urlpattern-polyfill 10.1.0).
import { expect, test } from "bun:test";
import { dirname } from "node:path";

const fedify = dirname(Bun.resolveSync("@fedify/fedify", import.meta.dir));
const imported = async (name: string) => import(Bun.resolveSync(name, fedify));

test("Fedify's urlpattern-polyfill and @js-temporal/polyfill are the runtime's own", async () => {
  expect((await imported("urlpattern-polyfill")).URLPattern).toBe(globalThis.URLPattern);
  expect((await imported("@js-temporal/polyfill")).Temporal).toBe(globalThis.Temporal);
});

test("Temporal answers Fedify's calls as the polyfill did", () => {
  const at = Temporal.Instant.from("2026-11-26T16:04:00.123Z");
  expect(Temporal.Instant.from("2026-11-26T16:04:00+02:00").toString()).toBe("2026-11-26T14:04:00Z");
  expect(Temporal.Instant.fromEpochMilliseconds(1700000000000).toString()).toBe("2023-11-14T22:13:20Z");
  expect(at.add({ hours: 25 }).toString()).toBe("2026-11-27T17:04:00.123Z");
  expect(Temporal.Instant.compare(at, Temporal.Instant.from("2025-01-01T00:00Z"))).toBe(1);
  expect(Temporal.Duration.from({ hours: 1, minutes: 30 }).toString()).toBe("PT1H30M");
  expect(Temporal.Duration.from("PT1H30M").total("seconds")).toBe(5400);
  expect(Temporal.Duration.compare({ seconds: 60 }, { minutes: 1 })).toBe(0);
  expect(Temporal.Duration.from({ minutes: 90 }).round({ largestUnit: "hour" }).toString()).toBe("PT1H30M");
  expect(at.until(Temporal.Instant.from("2026-11-27T17:04:00.123Z"), { largestUnit: "hour" }).total("hours")).toBe(25);
  expect(Temporal.PlainDateTime.from("2026-11-26T16:04:00").toString()).toBe("2026-11-26T16:04:00");
  // A date without an offset is not an instant: Fedify rejects such a `published`.
  expect(() => Temporal.Instant.from("2026-11-26T16:04:00")).toThrow(RangeError);
  expect(() => Temporal.Instant.from("nonsense")).toThrow(RangeError);
});

test("URLPattern matches Fedify's routes as the polyfill did", () => {
  const route = new URLPattern({ pathname: "/users/:identifier/followers" });
  expect(route.exec("https://social.example/users/ada/followers")?.pathname.groups).toEqual({ identifier: "ada" });
  expect(route.test("https://social.example/users/ada/following")).toBe(false);
  expect(new URLPattern({ pathname: "/@:username" }).exec({ pathname: "/@ada" })?.pathname.groups.username).toBe("ada");
});
