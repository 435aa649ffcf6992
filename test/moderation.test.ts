import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

describe("reports", () => {
  test("a member reports a post; a moderator sees it with a snapshot, adds a note and resolves it; it is audited", async () => {
    const c = await community(["ada", "bob", "eve"]);
    const id = await c.post("eve", { status: "buy cheap stuff at spam.example" });
    const bob = c.member("bob").browser;
    const form = await c.page(bob, `/report?account_id=${c.member("eve").accountId}&status_id=${id}`);
    expect(form).toContain('name="status_ids"');
    expect(form).toMatch(new RegExp(`value="${id}" checked`));
    const sent = await bob.post("/reports", {
      account_id: c.member("eve").accountId,
      category: "spam",
      status_ids: id,
      comment: "obvious spam",
    });
    expect(await sent.text()).toContain("Thanks for your report");
    // The post is deleted afterwards: the report still shows it.
    await c.member("eve").browser.post(`/statuses/${id}/delete`, {});

    const ada = c.member("ada").browser; // the owner
    const list = await c.page(ada, "/admin/reports");
    const reportId = /href="\/admin\/reports\/([^"]+)"/.exec(list)?.[1];
    expect(reportId).toBeDefined();
    const detail = await c.page(ada, `/admin/reports/${reportId}`);
    expect(detail).toContain("buy cheap stuff");
    expect(detail).toContain("obvious spam");
    expect(detail).toContain("@bob");
    await ada.post(`/admin/reports/${reportId}/notes`, { note: "checked, spam account" });
    expect((await ada.post(`/admin/reports/${reportId}/resolve`, {})).status).toBe(303);
    const again = await ada.post(`/admin/reports/${reportId}/resolve`, {});
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already resolved");
    expect(await c.page(ada, "/admin/reports")).toContain("No open reports");
    const audit = await c.page(ada, "/admin/audit");
    expect(audit).toContain("report.resolve");
    expect(audit).toContain("report.note");
  });

  test("reporting oneself is refused; users cannot open the moderation pages", async () => {
    const c = await community(["ada", "bob"]);
    const bob = c.member("bob").browser;
    const res = await bob.post("/reports", { account_id: c.member("bob").accountId, category: "other" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("You cannot report yourself.");
    for (const path of ["/admin/reports", "/admin/audit", "/admin/signups", "/admin/settings"]) {
      expect((await bob.get(path)).status).toBe(403);
    }
  });
});
