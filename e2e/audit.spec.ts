import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Download } from "@playwright/test";
import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";

interface ExportedEvent {
  id: number;
  action: string;
  actorLabel: string;
  details: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

test("the chain badge says the chain is intact", async ({ asUser }) => {
  const audit = new AuditPage(await asUser("viewer"));
  await audit.goto();
  await expect(audit.chainBadge).toHaveText(/^Chain intact · [\d,]+ events verified · (last checkpoint signed [\d-]+ [\d:]+Z|no checkpoint signed yet)/);
  const n = Number((await audit.chainBadge.innerText()).match(/([\d,]+) events/)![1]!.replace(/,/g, ""));
  // The seed alone writes 16 events (12 accounts, 2 environments, 1 service, the seed marker).
  expect(n).toBeGreaterThanOrEqual(16);
});

test("filtering by action narrows the rows to that action", async ({ asUser }) => {
  const page = await asUser("security");
  const audit = new AuditPage(page);
  await audit.goto();
  const all = new Set(await audit.actionsShown());
  expect(all.size).toBeGreaterThan(1);

  await audit.filter({ action: "user.create" });
  await expect(page).toHaveURL(/[?&]action=user\.create(&|$)/);
  await expect(audit.actionSelect).toHaveValue("user.create");
  const shown = await audit.actionsShown();
  expect(shown.length).toBeGreaterThanOrEqual(12);
  expect(new Set(shown)).toEqual(new Set(["user.create"]));

  await audit.filter({ action: "environment.create", environment: "production" });
  await expect(audit.rows).not.toHaveCount(0);
  expect(new Set(await audit.actionsShown())).toEqual(new Set(["environment.create"]));
  for (const env of await audit.rows.locator("td:nth-child(6)").allInnerTexts()) expect(env).toBe("production");
});

test("pages older events with 'Older →' without repeating or skipping", async ({ asUser }) => {
  const audit = new AuditPage(await asUser("viewer"));
  await audit.goto({ limit: "5" });
  const first = await audit.idsShown();
  expect(first).toHaveLength(5);
  await audit.older.click();
  await expect(audit.page).toHaveURL(/before=/);
  const second = await audit.idsShown();
  expect(second.length).toBeGreaterThan(0);
  expect(Math.max(...second)).toBe(Math.min(...first) - 1);
  expect(second).toEqual([...second].sort((a, b) => b - a));
  // The default page holds at most 100 events.
  await audit.goto();
  expect(await audit.rows.count()).toBeLessThanOrEqual(100);
});

test("JSON and CSV exports contain the events and are themselves audited", async ({ asUser }) => {
  const page = await asUser("admin");
  const audit = new AuditPage(page);
  await audit.goto({ action: "user.create" });
  await expect(audit.exportJson).toHaveAttribute("href", "/api/audit/export?action=user.create&format=json");

  // JSON through the link's URL with the admin's cookies.
  await audit.goto();
  const jsonHref = (await audit.exportJson.getAttribute("href"))!;
  const res = await page.request.get(jsonHref);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("application/json");
  expect(res.headers()["content-disposition"]).toMatch(/^attachment; filename="flightdeck-audit-.*\.json"$/);
  const events = (await res.json()) as ExportedEvent[];
  expect(events.length).toBeGreaterThanOrEqual(16);
  expect(events.some((e) => e.action === "system.seed")).toBe(true);
  for (const e of events) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
  // Newest first; the export is recorded before it is written, so it includes itself.
  expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => b - a));
  expect(events.some((e) => e.action === "audit.export" && e.actorLabel === "admin@flightdeck.local" && e.details.format === "json")).toBe(true);

  // CSV by clicking the link: a real download.
  const [download] = await Promise.all([page.waitForEvent("download"), audit.exportCsv.click()]);
  expect(download.suggestedFilename()).toMatch(/^flightdeck-audit-.*\.csv$/);
  const csv = await readDownload(download);
  const lines = csv.trimEnd().split("\n");
  expect(lines[0]).toBe("id,createdAt,actorLabel,roles,action,subjectType,subjectId,environment,details,requestId,prevHash,hash");
  expect(lines.length).toBeGreaterThanOrEqual(17);
  expect(lines.some((l) => l.includes(",system.seed,"))).toBe(true);

  // Both exports appear in the timeline as audit.export by the admin.
  await audit.goto();
  await audit.filter({ actor: "admin@flightdeck.local", action: "audit.export" });
  await expect(audit.rows.filter({ hasText: '"format":"json"' }).first()).toBeVisible();
  await expect(audit.rows.filter({ hasText: '"format":"csv"' }).first()).toBeVisible();
  expect(new Set(await audit.actionsShown())).toEqual(new Set(["audit.export"]));
});

test("roles without audit.export get no export links and a 403 from the API, which is audited", async ({ asUser }) => {
  const viewer = await asUser("viewer");
  const audit = new AuditPage(viewer);
  await audit.goto();
  await expect(audit.table).toBeVisible();
  await expect(audit.exportJson).toHaveCount(0);
  await expect(audit.exportCsv).toHaveCount(0);
  const res = await viewer.request.get("/api/audit/export?format=json");
  expect(res.status()).toBe(403);
  expect(await res.json()).toMatchObject({ ok: false, code: "FORBIDDEN" });

  const admin = new AuditPage(await asUser("admin"));
  await admin.goto({ actor: "viewer@flightdeck.local", action: "authz.denied", subjectId: "audit.export" });
  await expect(admin.rows).not.toHaveCount(0);
});

async function readDownload(download: Download): Promise<string> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

test("the verifiable bundle downloads and an auditor checks it offline; one changed byte fails it", async ({ asUser }, testInfo) => {
  const page = await asUser("security");
  const audit = new AuditPage(page);
  await audit.goto();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export verifiable bundle" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^flightdeck-audit-.*\.bundle\.ndjson$/);
  const file = testInfo.outputPath("trail.bundle.ndjson");
  await download.saveAs(file);
  // The auditor's side: no server, no database, only the file (FLIGHTDECK_DB points nowhere).
  const verify = () =>
    spawnSync(path.resolve("node_modules/.bin/tsx"), ["scripts/verify-audit.ts", "--bundle", file], {
      encoding: "utf8",
      env: { ...process.env, FLIGHTDECK_DB: testInfo.outputPath("no-database-here.db") },
    });
  const good = verify();
  expect(good.stdout).toMatch(/INTACT — \d+ events verified/);
  expect(good.stdout).toContain("checkpoint");
  expect(good.status).toBe(0);
  // The bundle holds its own export event, signed by a checkpoint made for it.
  expect(readFileSync(file, "utf8")).toContain('{\\"format\\":\\"bundle\\"}');

  const bytes = readFileSync(file);
  const at = bytes.indexOf("system.seed");
  bytes[at] = bytes[at]! ^ 1;
  writeFileSync(file, bytes);
  const bad = verify();
  expect(bad.stdout).toContain("TAMPERED");
  expect(bad.status).toBe(1);
});
