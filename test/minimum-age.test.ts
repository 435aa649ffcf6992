// A minimum age to join (Mastodon 4.4): the owner sets it, sign-ups on the page and from apps give
// a date of birth that is checked against it and never kept, and apps learn it from the instance.
import { expect, setDefaultTimeout, test } from "bun:test";
import { ageOn, checkAge } from "../src/core/registrations.ts";
import { updateSettings } from "../src/core/instance.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";

// argon2 at each sign-up.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["olive"]);
const { db } = t.deps;
const send = (request: Request) => t.app.handle(request);
const PASSWORD = "correct horse battery";

/** A date of birth `years` years (and `days` days) before today, as a date field sends it. */
function bornAgo(years: number, days = 0): string {
  const today = new Date();
  // On 29 February, `years` ago has none: the 28th is as old.
  const day = Math.min(
    today.getUTCDate(),
    new Date(Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth() + 1, 0)).getUTCDate(),
  );
  const date = new Date(Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), day + days));
  return date.toISOString().slice(0, 10);
}

test("the age on a date: whole years, the birthday counting from its day; no impossible or future dates", () => {
  const day = new Date("2026-11-27T12:00:00Z");
  expect(ageOn("2010-11-27", day)).toBe(16);
  expect(ageOn("2010-11-28", day)).toBe(15);
  expect(ageOn("2010-12-01", day)).toBe(15);
  expect(ageOn("2008-02-29", new Date("2026-02-28T00:00:00Z"))).toBe(17);
  expect(ageOn("2008-02-29", new Date("2026-03-01T00:00:00Z"))).toBe(18);
  for (const bad of ["2010-02-30", "2010-13-01", "27.11.2010", "1850-01-01", "2010-1-1", ""])
    expect([bad, ageOn(bad, day)]).toEqual([bad, null]);
  expect(ageOn("2030-01-01", day)).toBe(-1);
  expect(checkAge(16, "2030-01-01", day)).toBe("A date of birth cannot be in the future.");
  expect(checkAge(0, undefined, day)).toBeUndefined();
  expect(checkAge(16, " ", day)).toBe("Enter your date of birth.");
  expect(checkAge(16, "2010-11-28", day)).toBe("You must be at least 16 years old to join.");
  expect(checkAge(16, "2010-11-27", day)).toBeUndefined();
});

test("the owner sets it; the sign-up page then asks the date of birth and refuses the too young", async () => {
  const owner = m("olive").browser;
  const form = { name: "Knitters", description: "", registration_mode: "open", max_post_length: "500" };
  for (const bad of ["-3", "0x10", "abc", "101"]) {
    const refused = await owner.post("/admin/settings", { ...form, minimum_age: bad });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toContain("Choose a whole number of years from 0 (none) to 100.");
    expect(page).toMatch(new RegExp(`name="minimum_age"[^>]*value="${bad}"`)); // what was typed stays, to be fixed
  }
  expect((await owner.post("/admin/settings", { ...form, minimum_age: "16" })).status).toBe(303);
  expect(await (await owner.get("/admin/settings")).text()).toMatch(/name="minimum_age"[^>]*value="16"/);
  // A form from before the field keeps the age.
  expect((await owner.post("/admin/settings", form)).status).toBe(303);

  const visitor = new WebClient(send);
  const page = await (await visitor.get("/signup")).text();
  expect(page).toContain('type="date"');
  expect(page).toContain("You must be at least 16 to join. It is checked, not kept.");
  const fields = { email: "kid@example.com", password: PASSWORD, password_confirmation: PASSWORD, agreement: "1" };
  const young = await visitor.post("/signup", { ...fields, username: "kid", date_of_birth: bornAgo(16, 1) });
  expect(young.status).toBe(422);
  const html = await young.text();
  expect(html).toContain("You must be at least 16 years old to join.");
  expect(html).toContain(`value="${bornAgo(16, 1)}"`);
  const blank = await visitor.post("/signup", { ...fields, username: "kid" });
  expect(await blank.text()).toContain("Enter your date of birth.");
  const old = await visitor.post("/signup", { ...fields, username: "grownup", date_of_birth: bornAgo(16) });
  expect(old.status).toBe(303);
  expect(t.database.sqlite.query("SELECT username FROM accounts WHERE username IN ('kid', 'grownup')").all()).toEqual([
    { username: "grownup" },
  ]);
  // Nothing of the date is kept.
  const columns = t.database.sqlite.query<{ name: string }, []>("SELECT name FROM pragma_table_info('users')").all();
  expect(columns.map((c) => c.name).filter((n) => /birth/.test(n))).toEqual([]);
});

test("apps read the minimum age and get Mastodon's error codes for the date of birth", async () => {
  updateSettings(db, { registrationMode: "open", minimumAge: 18 });
  const instance = (await (await send(new Request(`${origin}/api/v2/instance`))).json()) as {
    registrations: { min_age: number | null };
  };
  expect(instance.registrations.min_age).toBe(18);

  const call = async (path: string, body: Record<string, unknown>, token?: string) => {
    const response = await send(
      new Request(`${origin}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      }),
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const app = (await call("/api/v1/apps", { client_name: "Phone", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "write" }))
    .json;
  const token = (
    await call("/oauth/token", {
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope: "write:accounts",
    })
  ).json.access_token as string;
  const signUp = (extra: Record<string, unknown>) =>
    call(
      "/api/v1/accounts",
      { username: "teen", email: "teen@example.com", password: PASSWORD, agreement: true, ...extra },
      token,
    );
  const codeOf = async (extra: Record<string, unknown>) => {
    const answer = await signUp(extra);
    expect(answer.status).toBe(422);
    return (answer.json.details as Record<string, { error: string }[]>).date_of_birth?.[0]?.error;
  };
  expect(await codeOf({ date_of_birth: bornAgo(17) })).toBe("ERR_BELOW_LIMIT");
  expect(await codeOf({ date_of_birth: "" })).toBe("ERR_BLANK");
  expect(await codeOf({ date_of_birth: "yesterday" })).toBe("ERR_INVALID");
  expect((await signUp({ date_of_birth: bornAgo(18) })).status).toBe(200);

  updateSettings(db, { minimumAge: 0 });
  const none = (await (await send(new Request(`${origin}/api/v2/instance`))).json()) as { registrations: { min_age: null } };
  expect(none.registrations.min_age).toBeNull();
});
