import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runbook000Checklist } from "@/components/rollouts/runbook-000-checklist";
import { createGitApp } from "@/tests/support/git-app";
import { canary, rolloutWhen as waitForRollout } from "@/tests/support/local-world";

/**
 * Runbook 000 through the REAL worker (issue 13 items 1-2, H2/H4/K1): a service on PM2 whose
 * versions are commits of a repository made here. Rollouts started by the services are executed by
 * the worker: build logged in the rollout log, promotion reloads main and tags the commit (the tag in
 * the audit event), the rollback plan to LAST_GOOD_COMMIT redeploys commit 1 from its kept release
 * dir; the rollout page's checklist reads pm2 list. Ports 4800-4899 (shared with pm2-git.test.ts).
 */
const dir = mkdtempSync(path.join(tmpdir(), "fd-pm2-git-worker-"));
// Builds run as nobody under root (lib/drivers/shell.ts): it must reach the release dirs.
chmodSync(dir, 0o755);
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

const { getDb, getSqlite } = await import("@/db/client");
const { seedDemo } = await import("@/db/seed");
const { updateService, findServiceByName, findEnvironmentByName } = await import("@/db/queries/catalog");
const { putServiceAnalysis } = await import("@/db/queries/analysis");
const { startWorker } = await import("@/lib/jobs/worker");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { executeRollback } = await import("@/lib/services/rollouts/execute-rollback");
const { planRollback } = await import("@/lib/services/rollouts/plan-rollback");
const { loadRunbook000Checklist } = await import("@/lib/views/runbook-000-checklist");
const { pm2DriverFor } = await import("@/lib/drivers/registry");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const { actorFor } = await import("@/tests/support/db");

const app = createGitApp();
const [c1, , c3] = app.commits;
const mainPort = 4890 + Math.floor(Math.random() * 4) * 2;
const deployTarget = JSON.stringify({ driver: "pm2", script: "server.js", mainPort, canaryPort: mainPort + 1, healthPath: "/health", name: "mission-control", git: { repo: app.repo, build: app.build, keepReleases: 3 } });
let runner: ReturnType<typeof startWorker>;
let serviceId = 0;
let stagingId = 0;

const who = (name: string) => actorFor(getDb(), `${name}@flightdeck.local`);
const rolloutWhen = (id: number, ok: Parameters<typeof waitForRollout>[1]) => waitForRollout(id, ok, 120_000);
const logOf = (id: number) => (getSqlite().prepare("SELECT message FROM rollout_log WHERE rollout_id = ? ORDER BY id").all(id) as { message: string }[]).map((l) => l.message);
const auditOf = (id: number) =>
  (getSqlite().prepare("SELECT action, details FROM audit_events WHERE subject_type = 'rollout' AND subject_id = ? ORDER BY id").all(String(id)) as { action: string; details: string }[]).map((e) => ({
    action: e.action,
    details: JSON.parse(e.details) as Record<string, unknown>,
  }));
const answer = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { label: string; commit: string };

beforeAll(async () => {
  const db = getDb();
  await seedDemo(db);
  const svc = findServiceByName(db, "sample-api")!;
  updateService(db, svc.id, svc.rowVersion, { ...svc, deployTarget, updatedAt: Date.now() });
  putServiceAnalysis(db, svc.id, JSON.stringify({ enabled: false }), Date.now());
  serviceId = svc.id;
  stagingId = findEnvironmentByName(db, "staging")!.id;
  runner = startWorker(db, { owner: "pm2-git-worker" });
}, 60_000);

afterAll(async () => {
  await runner.stop();
  delete process.env.LAST_GOOD_COMMIT;
  await pm2DriverFor(deployTarget)!.killDaemon();
}, 60_000);

describe("runbook 000 through the worker (real git, real PM2)", () => {
  it("first rollout: commit 1 built (logged) and started as main `mission-control`", async () => {
    const { rollout } = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: c1, strategy: canary([[100, 0]]), idempotencyKey: "pm2-git-1" });
    const done = await rolloutWhen(rollout.id, (r) => ["succeeded", "failed", "rolled_back"].includes(r.status));
    expect(done.status, logOf(rollout.id).join("\n")).toBe("succeeded");
    expect((await answer(mainPort)).label).toBe("good-1");
    expect(logOf(rollout.id)).toContain("[pm2] build of good-1 done");
    expect(logOf(rollout.id).some((l) => l.startsWith(`[pm2] built ${c1.slice(0, 12)}`))).toBe(true);
  }, 150_000);

  it("commit 3 as canary, then promotion: main reloaded, the commit tagged, the tag in the rollout log and its audit event", async () => {
    const { rollout } = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: c3, strategy: canary([[50, 0], [100, 0]]), idempotencyKey: "pm2-git-3" });
    const done = await rolloutWhen(rollout.id, (r) => ["succeeded", "failed", "rolled_back"].includes(r.status));
    expect(done.status, logOf(rollout.id).join("\n")).toBe("succeeded");
    expect((await answer(mainPort)).label).toBe("good-3");
    const tag = `deploy-candidate-staging-${c3.slice(0, 7)}`;
    expect(app.tagTarget(tag)).toBe(c3);
    expect(logOf(rollout.id)).toContain(`[pm2] tagged ${c3.slice(0, 12)} as deploy candidate ${tag}`);
    expect(auditOf(rollout.id).find((e) => e.action === "rollout.succeeded")?.details).toMatchObject({ deployCandidateTag: tag, commit: c3 });
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);

    const checklist = (await loadRunbook000Checklist(getDb(), rollout.id))!;
    expect(checklist.processes.map((p) => [p.name, p.status, p.commit, p.healthy])).toEqual([["mission-control", "online", c3, true]]);
    expect(checklist.items.map((i) => [i.id, i.status])).toEqual([
      ["pm2_list", "passed"],
      ["main_health", "passed"],
      ["canary_health", "not_applicable"],
      ["ci_history", "pending"],
    ]);
    expect(checklist.ecosystemFile).toMatch(/pm2-apps\/mission-control\/ecosystem\.config\.js$/);
    // The rollout page's card: pm2 list row (name, status, commit) and the checklist items.
    const html = renderToStaticMarkup(createElement(Runbook000Checklist, { checklist }));
    expect(html).toContain("Runbook 000 verification checklist");
    expect(html).toMatch(/<tr data-name="mission-control" data-status="online"/);
    expect(html).toContain(c3.slice(0, 12));
    expect(html).toContain('data-item="main_health" data-status="passed"');
    expect(html).toContain(`No CI gate run recorded for ${c3}.`);
  }, 150_000);

  it("rollback to LAST_GOOD_COMMIT (commit 1) reuses its kept release dir: no rebuild, main reloaded to commit 1", async () => {
    process.env.LAST_GOOD_COMMIT = c1;
    const plan = planRollback(getDb(), serviceId, stagingId);
    expect(plan).toMatchObject({ ok: true, kind: "redeploy", to: c1, source: "LAST_GOOD_COMMIT" });
    const buildsBefore = app.builds();
    const rollout = executeRollback(who("captain"), { serviceId, environmentId: stagingId, expectedTo: c1, reason: "runbook 000 rollback", idempotencyKey: "pm2-git-rb" });
    const done = await rolloutWhen(rollout.id, (r) => ["succeeded", "failed", "rolled_back"].includes(r.status));
    expect(done.status, logOf(rollout.id).join("\n")).toBe("succeeded");
    expect(await answer(mainPort)).toMatchObject({ label: "good-1", commit: c1 });
    expect(app.builds()).toEqual(buildsBefore);
    expect(logOf(rollout.id).some((l) => l.startsWith("[pm2] reused release dir "))).toBe(true);
    expect(logOf(rollout.id).some((l) => l.startsWith("[pm2] built "))).toBe(false);
  }, 150_000);

  it("a commit that does not resolve fails the deploy step with the reason; commit 1 keeps serving", async () => {
    delete process.env.LAST_GOOD_COMMIT;
    const { rollout } = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: "feedface", strategy: canary([[100, 0]]), idempotencyKey: "pm2-git-bad" });
    const done = await rolloutWhen(rollout.id, (r) => ["failed", "rolled_back", "succeeded"].includes(r.status));
    expect(done.status).not.toBe("succeeded");
    expect(logOf(rollout.id).some((l) => l.includes(`Commit feedface does not resolve in ${app.repo}.`))).toBe(true);
    expect(await answer(mainPort)).toMatchObject({ label: "good-1", commit: c1 });
  }, 150_000);
});
