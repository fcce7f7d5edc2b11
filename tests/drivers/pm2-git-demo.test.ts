import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, rolloutWhen as waitForRollout } from "@/tests/support/local-world";
import { until } from "@/tests/support/wait";

/**
 * Runbook 000 as the demo seeds it (db/seed-runbook-000.ts), clicked through by the services the
 * browser calls, with the real worker, real PM2 and the seeded repository: 1.0.0 becomes main once
 * its gates pass (quiet period, attestation); 1.1.0 as canary is refused by the log gate with its
 * CRITICAL line; 1.2.0 passes and is promoted by reload, tagged; the rollback plan returns to 1.0.0
 * from its kept release dir, not held by the gates. The seeded config is used as is but for a 4 s
 * quiet period (the seed's own 18 s is checked by tests/db/seed-runbook-000.test.ts). Ports 5230-5269.
 */

// As root (CI), builds and the CI command run as nobody (lib/drivers/shell.ts).
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";
const dir = mkdtempSync(path.join(tmpdir(), "fd-pm2-demo-"));
chmodSync(dir, 0o755);
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

const { getDb, getSqlite } = await import("@/db/client");
const { seedDemo } = await import("@/db/seed");
const { seedRunbook000Demo } = await import("@/db/seed-runbook-000");
const { criticalLine } = await import("@/db/seed-runbook-000-app");
const { findService, findEnvironmentByName } = await import("@/db/queries/catalog");
const { ciGateHistory, gateResultsOf } = await import("@/db/queries/promote-gates");
const { startWorker } = await import("@/lib/jobs/worker");
const { pm2DriverFor } = await import("@/lib/drivers/registry");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
const { planRollback } = await import("@/lib/services/rollouts/plan-rollback");
const { executeRollback } = await import("@/lib/services/rollouts/execute-rollback");
const { attestCorePath } = await import("@/lib/services/promote-gates/attest-core-path");
const { DEFAULT_CHECKLIST } = await import("@/lib/domain/promote-gates/config");
const { listReleases } = await import("@/lib/drivers/git/releases");
const { actorFor } = await import("@/tests/support/db");

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

const who = (name: string) => actorFor(getDb(), `${name}@flightdeck.local`);
const rolloutWhen = (id: number, ok: Parameters<typeof waitForRollout>[1]) => waitForRollout(id, ok, 150_000);
const statuses = (id: number) => Object.fromEntries(gateResultsOf(getDb(), id).map((g) => [g.gate, g.status]));
const logOf = (id: number) => (getSqlite().prepare("SELECT message FROM rollout_log WHERE rollout_id = ? ORDER BY id").all(id) as { message: string }[]).map((l) => l.message);
const answers = (port: number) => fetch(`http://127.0.0.1:${port}/api/openclaw/status`).then(() => true, () => false);
const status = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/api/openclaw/status`)).json()) as { version: string; release: string; commit: string; built: boolean };

let mainPort = 0;
let serviceId = 0;
let stagingId = 0;
let deployTarget = "";
let repo = "";
let commits: { tag: string; sha: string }[] = [];
let runner: ReturnType<typeof startWorker>;

/** Starts `version` in staging; the service owner attests its core path at once (the gate still waits for the quiet period). */
function rollout(version: string, steps: [number, number][], attest: boolean) {
  const r = startRollout(who("captain"), { serviceId, environmentId: stagingId, version, strategy: canary(steps), idempotencyKey: `pm2-demo-${version}` }).rollout;
  if (attest) attestCorePath(who("owner"), { rolloutId: r.id, items: [...DEFAULT_CHECKLIST], note: `task create, orchestrate, hitl_review -> completed on :${mainPort + 1}` });
  return r;
}

beforeAll(async () => {
  for (const p of [5230, 5234, 5238, 5242, 5246, 5250, 5254, 5258, 5262, 5266].sort(() => Math.random() - 0.5)) {
    if ((await portFree(p)) && (await portFree(p + 1))) {
      mainPort = p;
      break;
    }
  }
  if (!mainPort) throw new Error("no free port pair in 5230-5269");
  const db = getDb();
  await seedDemo(db);
  const seeded = seedRunbook000Demo(db, dir, { mainPort, quietSeconds: 4 });
  if (!seeded.seeded) throw new Error(seeded.reason);
  ({ serviceId, repo, commits } = seeded);
  deployTarget = findService(db, serviceId)!.deployTarget;
  stagingId = findEnvironmentByName(db, "staging")!.id;
  runner = startWorker(db, { owner: "pm2-demo-worker" });
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  if (deployTarget) await pm2DriverFor(deployTarget)?.killDaemon();
}, 60_000);

describe("runbook 000 as the demo seeds it (real git, real PM2, real worker)", () => {
  it("1.0.0 becomes main once its gates pass; 1.1.0 as canary: the log gate catches its CRITICAL line, promotion refused with the reason; main keeps 1.0.0", async () => {
    const first = rollout("1.0.0", [[100, 0]], true);
    const done = await rolloutWhen(first.id, (r) => r.status === "succeeded" || r.status === "rolled_back");
    expect(done.status, logOf(first.id).join("\n")).toBe("succeeded");
    expect(statuses(first.id)).toEqual({ attestation: "passed", ci: "passed", logs: "passed", smoke: "passed" });
    expect(await status(mainPort)).toMatchObject({ version: "1.0.0", release: "1.0.0", commit: commits[0]!.sha, built: true });

    const bad = rollout("1.1.0", [[50, 0]], false);
    const held = await rolloutWhen(bad.id, (r) => r.status === "failed" || r.status === "rolled_back");
    expect(held.stepIndex, logOf(bad.id).join("\n")).toBe(2); // the promote step
    expect(held.reason).toContain(`Promotion refused by its gates: No critical lines in the canary's logs:`);
    expect(held.reason).toContain(`match the critical pattern CRITICAL, first: "${criticalLine("1.1.0")} (GET `);
    expect(statuses(bad.id)).toMatchObject({ ci: "passed", smoke: "passed", logs: "failed", attestation: "pending" });
    // CI alone would have let it through: npm run ci:gate passed in 1.1.0's release directory.
    const ci = ciGateHistory(getDb(), serviceId, "1.1.0")[0]!;
    expect(ci).toMatchObject({ passed: true, target: "npm run ci:gate" });
    expect(ci.output).toContain("ci:gate green: mission-control 1.1.0 is built and server.js parses");
    expect(await status(mainPort)).toMatchObject({ version: "1.0.0" });
    expect(await status(mainPort + 1)).toMatchObject({ version: "1.1.0" });

    controlRollout(who("oncall"), { rolloutId: bad.id, command: "abort", reason: "CRITICAL lines in the canary's logs" });
    await rolloutWhen(bad.id, (r) => r.status === "rolled_back");
    await until(async () => ((await answers(mainPort + 1)) ? undefined : true), 30_000); // the canary was removed
    expect(await status(mainPort)).toMatchObject({ version: "1.0.0" });
  }, 300_000);

  it("1.2.0 passes every gate and is promoted by reload, tagged; the rollback returns to 1.0.0 from its kept release dir without waiting on the gates", async () => {
    const good = rollout("1.2.0", [[50, 0]], true);
    const done = await rolloutWhen(good.id, (r) => r.status === "succeeded" || r.status === "rolled_back");
    expect(done.status, logOf(good.id).join("\n")).toBe("succeeded");
    expect(statuses(good.id)).toEqual({ attestation: "passed", ci: "passed", logs: "passed", smoke: "passed" });
    expect(await status(mainPort)).toMatchObject({ version: "1.2.0", commit: commits[2]!.sha });
    const tag = `deploy-candidate-staging-${commits[2]!.sha.slice(0, 7)}`;
    expect(execFileSync("git", ["rev-parse", `${tag}^{commit}`], { cwd: repo, encoding: "utf8" }).trim()).toBe(commits[2]!.sha);

    const plan = planRollback(getDb(), serviceId, stagingId);
    expect(plan).toMatchObject({ ok: true, kind: "redeploy", from: "1.2.0", to: "1.0.0" });
    const kept = listReleases(dir, "mission-control").find((r) => r.sha === commits[0]!.sha);
    expect(kept?.built).toBe(true);
    const back = executeRollback(who("captain"), { serviceId, environmentId: stagingId, expectedTo: "1.0.0", reason: "runbook 000 section 5 (demo)", idempotencyKey: "pm2-demo-rollback" });
    // The way back is not held by the promote gates (they judge a candidate): no quiet period, no attestation.
    const restored = await rolloutWhen(back.id, (r) => r.status === "failed" || r.status === "succeeded");
    expect(restored.status, logOf(back.id).join("\n")).toBe("succeeded");
    expect(statuses(back.id)).toEqual({});
    expect(logOf(back.id)).toContain("promote gates skipped: a rollback redeploy restores the last good version");
    expect(await status(mainPort)).toMatchObject({ version: "1.0.0", commit: commits[0]!.sha });
    expect(logOf(back.id).some((l) => l.startsWith(`[pm2] reused release dir ${kept!.dir}`))).toBe(true);
    expect(logOf(back.id).some((l) => l.startsWith("[pm2] built "))).toBe(false);
  }, 300_000);
});
