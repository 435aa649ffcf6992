import { launchBrowser } from "./test/helpers/browser.ts";
const dir = "/tmp/relayshot/run";
await Bun.$`rm -rf ${dir} && mkdir -p ${dir}`;
const bin = `${process.cwd()}/dist/skein`;
const proc = Bun.spawn([bin, "--listen", "127.0.0.1:3400"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
for (let i = 0; i < 100; i++) {
  if (
    await fetch("http://127.0.0.1:3400/healthz").then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  await Bun.sleep(100);
}
const create = Bun.spawn([bin, "user", "create", "olga", "--email", "olga@example.com", "--role", "owner"], {
  cwd: dir,
  stdin: "pipe",
  stdout: "pipe",
  stderr: "pipe",
});
create.stdin.write("correct horse battery staple\n");
create.stdin.end();
await create.exited;
const browser = await launchBrowser();
for (const [name, viewport] of [
  ["desktop", { width: 1200, height: 900 }],
  ["phone", { width: 390, height: 844 }],
] as const) {
  const page = await browser.newPage({ viewport });
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("Content Security Policy")) console.log("console:", m.text());
  });
  await page.goto("http://127.0.0.1:3400/login");
  await page.getByLabel("Username").fill("olga");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.goto("http://127.0.0.1:3400/admin/relays");
  if (name === "desktop") {
    await page.getByLabel("Relay inbox address").fill("http://relay.example/inbox");
    await page.getByRole("button", { name: "Join", exact: true }).click();
    await page.screenshot({ path: `/tmp/relayshot/${name}-error.png`, fullPage: true });
    await page.getByLabel("Relay inbox address").fill("https://relay.fedi.example/inbox");
    await page.getByRole("button", { name: "Join", exact: true }).click();
    await page.getByLabel("Relay inbox address").fill("https://relay.toot.example/inbox");
    await page.getByRole("button", { name: "Join", exact: true }).click();
    await Bun.sleep(3000);
    await page.getByRole("button", { name: "Leave" }).first().click();
    await page.reload();
  }
  await page.screenshot({ path: `/tmp/relayshot/${name}.png`, fullPage: true });
}
await browser.close();
proc.kill();
await proc.exited;
const out = (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text());
console.log(
  out
    .split("\n")
    .filter((l) => /relay|WRN|ERR/i.test(l))
    .slice(0, 20)
    .join("\n"),
);
