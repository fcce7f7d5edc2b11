import { chmodSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitApp } from "@/tests/support/git-app";
import { canary, rolloutWhen as waitForRollout } from "@/tests/support/local-world";
import { until } from "@/tests/support/wait";

/**
 * Issue 13 "done when", the gates' part: a real git repository (good, bad, good), real PM2 and the
 * real worker. Commit 2 as canary: its critical line in its PM2 log fails the log gate and
 * promotion is refused with the reason. Commit 3 passes every gate (CI in its release directory,
 * smoke endpoints, a quiet log although the canary's PM2 log file still holds commit 2's lines, the
 * attestation) and is promoted. Ports 4950-4999.
 */

// As root (CI), builds and the CI command run as nobody (lib/drivers/shell.ts).
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";
const dir = mkdtempSync(path.join(tmpdir(), "fd-pm2-gates-"));
chmodSync(dir, 0o755);
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

const { getDb, getSqlite } = await import("@/db/client");
const { seedDemo } = await import("@/db/seed");
const { updateService, findServiceByName, findEnvironmentByName } = await import("@/db/queries/catalog");
const { putServiceAnalysis } = await import("@/db/queries/analysis");
const { ciGateHistory, gateResultsOf } = await import("@/db/queries/promote-gates");
const { startWorker } = await import("@/lib/jobs/worker");
const { pm2DriverFor } = await import("@/lib/drivers/registry");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
const { updatePromoteGates } = await import("@/lib/services/promote-gates/update-promote-gates");
const { readPromoteGates } = await import("@/lib/services/promote-gates/read-promote-gates");
const { attestCorePath } = await import("@/lib/services/promote-gates/attest-core-path");
const { DEFAULT_CHECKLIST } = await import("@/lib/domain/promote-gates/config");
const { actorFor, auditEvents } = await import("@/tests/support/db");

const app = createGitApp();
const [c1, c2, c3] = app.commits;
const mainPort = 4950 + Math.floor(Math.random() * 24) * 2;
const deployTarget = JSON.stringify({
  driver: "pm2",
  name: "mission-control",
  script: "server.js",
  mainPort,
  canaryPort: mainPort + 1,
  healthPath: "/health",
  git: { repo: app.repo, build: app.build, keepReleases: 3, tagPattern: "deploy-candidate-{{environment}}-{{shortSha}}", buildTimeoutSeconds: 60 },
});
const who = (name: string) => actorFor(getDb(), `${name}@flightdeck.local`);
const rolloutWhen = (id: number, ok: Parameters<typeof waitForRollout>[1]) => waitForRollout(id, ok, 120_000);
const statuses = (id: number) => Object.fromEntries(gateResultsOf(getDb(), id).map((g) => [g.gate, g.status]));
const label = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { label: string }).label;

let serviceId = 0;
let stagingId = 0;
let runner: ReturnType<typeof startWorker>;

beforeAll(async () => {
  const db = getDb();
  await seedDemo(db);
  const svc = findServiceByName(db, "sample-api")!;
  updateService(db, svc.id, svc.rowVersion, { ...svc, deployTarget, updatedAt: Date.now() });
  putServiceAnalysis(db, svc.id, JSON.stringify({ enabled: false }), Date.now());
  serviceId = svc.id;
  stagingId = findEnvironmentByName(db, "staging")!.id;
  runner = startWorker(db, { owner: "pm2-gates-worker" });
  const first = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: c1, strategy: canary([[100, 0]]), idempotencyKey: "pm2-gates-c1" }).rollout;
  await rolloutWhen(first.id, (r) => r.status === "succeeded");
  expect(await label(mainPort)).toBe("good-1");
  // Runbook 000 section 4 as this service's gates. /api/workspaces stays off the smoke list: commit 2
  // fails it, and the listed endpoints also smoke every shift, so the log gate is what must catch it.
  updatePromoteGates(who("admin"), {
    serviceId,
    rowVersion: readPromoteGates(db, serviceId).rowVersion,
    ciKind: "command",
    ciCommand: 'test -f build.json && echo "ci:gate green for $FLIGHTDECK_COMMIT in $(pwd)"',
    smokePaths: "/health\n/api/openclaw/status",
    logPattern: "CRITICAL",
    logQuietSeconds: "4",
    attestRole: "service_owner",
  });
}, 240_000);

afterAll(async () => {
  await runner.stop();
  await pm2DriverFor(deployTarget)?.killDaemon();
}, 60_000);

describe("runbook 000's promote gates on real PM2 from real git", () => {
  it("commit 2 as canary: the log gate catches its critical line and promotion is refused with the reason; main keeps commit 1", async () => {
    const r = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: c2, strategy: canary([[50, 0]]), idempotencyKey: "pm2-gates-c2" }).rollout;
    const held = await rolloutWhen(r.id, (x) => x.status === "failed");
    expect(held.stepIndex).toBe(2); // the promote step
    expect(held.reason).toMatch(/^Promotion refused by its gates: No critical lines in the canary's logs: \d+ lines? match the critical pattern CRITICAL, first: "CRITICAL: lost the connection to the task store \(bad-2\)"\./);
    expect(statuses(r.id)).toMatchObject({ ci: "passed", smoke: "passed", logs: "failed", attestation: "pending" });
    const logs = gateResultsOf(getDb(), r.id).find((g) => g.gate === "logs")!;
    const evidence = JSON.parse(logs.evidence) as { files: string[]; matches: { file: string; text: string }[] };
    expect(evidence.files.some((f) => f.includes("mission-control-canary"))).toBe(true);
    expect(evidence.matches[0]!.text).toBe("CRITICAL: lost the connection to the task store (bad-2)");
    // CI ran in commit 2's release directory (it passed: CI alone would have let it through).
    expect(ciGateHistory(getDb(), serviceId, c2)[0]!.output).toContain(`ci:gate green for ${c2} in ${path.join(dir, "releases", "mission-control", c2)}`);
    expect(await label(mainPort)).toBe("good-1");

    // The attestation does not help: the log gate failed, so promotion stays refused until someone acts.
    attestCorePath(who("owner"), { rolloutId: r.id, items: [...DEFAULT_CHECKLIST] });
    controlRollout(who("captain"), { rolloutId: r.id, command: "retry" });
    const again = await rolloutWhen(r.id, (x) => x.status === "failed" && x.rowVersion > held.rowVersion + 1);
    expect(again.reason).toMatch(/^Promotion refused by its gates: No critical lines in the canary's logs: /);
    expect(statuses(r.id)).toMatchObject({ logs: "failed", attestation: "passed" });
    controlRollout(who("oncall"), { rolloutId: r.id, command: "abort", reason: "critical errors in the canary's logs" });
    await rolloutWhen(r.id, (x) => x.status === "rolled_back");
    expect(await label(mainPort)).toBe("good-1");
  }, 240_000);

  it("commit 3 passes every gate (its canary's log file still holds commit 2's lines from before) and is promoted by reload, tagged", async () => {
    const r = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: c3, strategy: canary([[50, 0]]), idempotencyKey: "pm2-gates-c3" }).rollout;
    await rolloutWhen(r.id, (x) => x.status === "failed" && x.stepIndex === 2);
    // Only waiting gates: the attestation (and the quiet period, if it has not run out yet).
    expect(statuses(r.id)).toMatchObject({ ci: "passed", smoke: "passed", attestation: "pending" });
    expect(statuses(r.id).logs).not.toBe("failed");
    attestCorePath(who("owner"), { rolloutId: r.id, items: [...DEFAULT_CHECKLIST], note: "task create, orchestrate, hitl_review on :" + String(mainPort + 1) });
    const done = await rolloutWhen(r.id, (x) => x.status === "succeeded");
    expect(done.weight).toBe(100);
    expect(statuses(r.id)).toEqual({ attestation: "passed", ci: "passed", logs: "passed", smoke: "passed" });
    // The same PM2 log files as commit 2's canary, with its critical lines: only what commit 3 wrote counts.
    const logs = JSON.parse(gateResultsOf(getDb(), r.id).find((g) => g.gate === "logs")!.evidence) as { files: string[] };
    expect(logs.files.some((f) => existsSync(f) && readFileSync(f, "utf8").includes("CRITICAL: lost the connection to the task store (bad-2)"))).toBe(true);
    await until(async () => ((await label(mainPort)) === "good-3" ? true : undefined), 30_000);
    expect(app.tagTarget(`deploy-candidate-staging-${c3.slice(0, 7)}`)).toBe(c3);
    expect(ciGateHistory(getDb(), serviceId, c3).map((h) => h.passed)).toEqual([true]);
    const evaluated = auditEvents(getSqlite()).filter((e) => e.action === "rollout.gates_evaluated" && e.subjectId === String(r.id));
    expect(evaluated.at(-1)!.details.outcome).toBe("passed");
  }, 240_000);
});
