// Times typed into forms and sent by apps (scheduled posts, announcements).
import { expect, test } from "bun:test";
import { parseLocalTime, parseUtcTime } from "../src/core/times.ts";

const iso = (d: Date | null | undefined) => (d instanceof Date ? d.toISOString() : d);

test("dates, times and zones are read strictly; a time that does not exist is refused", () => {
  const cases: [string, string | null | undefined][] = [
    ["", null],
    ["2026-12-24", "2026-12-24T00:00:00.000Z"],
    ["2026-12-24T18:00", "2026-12-24T18:00:00.000Z"],
    ["2026-12-24T18:00:30.123Z", "2026-12-24T18:00:30.123Z"],
    ["2026-12-24T18:00+02:00", "2026-12-24T16:00:00.000Z"],
    ["2026-12-24T18:00-0530", "2026-12-24T23:30:00.000Z"],
    ["2026-12-24T18:00+02", "2026-12-24T16:00:00.000Z"],
    ["2026-12-24T18:00+99:99", undefined],
    ["2026-12-24T18:00+15:00", undefined],
    ["2028-02-29", "2028-02-29T00:00:00.000Z"],
    ["2027-02-29", undefined],
    ["2026-02-31", undefined],
    ["2026-12-24T25:00", undefined],
    ["1", undefined],
    ["Jan 1 2030", undefined],
    ["tomorrow", undefined],
  ];
  for (const [value, want] of cases) expect([value, iso(parseUtcTime(value))]).toEqual([value, want]);
});

test("a time typed in the member's zone: the page's offset applies, unless the time names its own zone", () => {
  expect(iso(parseLocalTime("2030-01-01T10:00", 120))).toBe("2030-01-01T08:00:00.000Z");
  expect(iso(parseLocalTime("2030-01-01T10:00", -300))).toBe("2030-01-01T15:00:00.000Z");
  expect(iso(parseLocalTime("2030-01-01T10:00+02:00", 120))).toBe("2030-01-01T08:00:00.000Z");
  // An offset no zone has is ignored (UTC).
  expect(iso(parseLocalTime("2030-01-01T10:00", 9999))).toBe("2030-01-01T10:00:00.000Z");
  expect(iso(parseLocalTime("2030-01-01T10:00", Number.NaN))).toBe("2030-01-01T10:00:00.000Z");
});
