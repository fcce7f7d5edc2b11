import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killDataPlane } from "@/tests/support/data-plane";
import { until } from "@/tests/support/wait";

// G4 + G5 end to end: a release that rolls out two services together, with expand migrations
// before and contract migrations after, through the real worker, local driver and shell commands
// (defined in the service's migration catalog; as root they run as nobody, issue 10).
const dir = mkdtempSync(path.join(tmpdir(), "fd-release-deploy-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";
process.env.FLIGHTDECK_COMMAND_USER ??= "nobody";
/** Where the migration commands write: the command user's, not only root's. */
const shared = mkdtempSync(path.join(tmpdir(), "fd-release-deploy-cmd-"));
chmodSync(shared, 0o777);

const { getDb, getSqlite } = await import("@/db/client");
const { seedDemo } = await import("@/db/seed");
const { findEnvironmentByName, findServiceByName, insertService, updateService } = await import("@/db/queries/catalog");
const { findValidation, gatesOf, insertProbe, migrationRunsOf, preflightOf, setPreflightResult } = await import("@/db/queries/governance");
const { startValidation } = await import("./start-validation");
const { putServiceAnalysis } = await import("@/db/queries/analysis");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { environmentHealth } = await import("@/lib/services/health/environment-health");
const { findRelease, rolloutsOfRelease, updateRelease } = await import("@/db/queries/releases");
const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
const { findRollout } = await import("@/db/queries/rollouts");
const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");
const { listAuditEvents } = await import("@/db/queries/audit");
const { createRelease } = await import("./create-release");
const { driveRelease } = await import("./drive-release");
const { createRollout } = await import("@/lib/services/rollouts/create-rollout");
const { startWorker } = await import("@/lib/jobs/worker");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const { writeTransaction } = await import("@/db/transaction");
const { strategySchema } = await import("@/lib/domain/rollout/strategy");

// Port blocks per test file are disjoint (files run in parallel) and below the ephemeral range
// (32768+), where an outgoing connection could already hold a port a test wants to listen on: 24000-25999 here.
const base = 24_000 + Math.floor(Math.random() * 10) * 200;
const journal = path.join(shared, "migrations.log");
let runner: ReturnType<typeof startWorker>;

function actor(email: string) {
  const u = findUserByEmail(getDb(), email)!;
  return { kind: "user" as const, id: u.id, email: u.email, name: u.name, roles: rolesOfUser(getDb(), u.id) as never[], signedInAt: Date.now() };
}


let apiId = 0;
let webId = 0;
let stagingId = 0;
beforeAll(async () => {
  const db = getDb();
  await seedDemo(db);
  const api = findServiceByName(db, "sample-api")!;
  updateService(db, api.id, api.rowVersion, { ...api, deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort: base, healthPath: "/health" }), updatedAt: Date.now() });
  const web = insertService(db, { name: "sample-web", owner: "Web team", deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort: base + 20, healthPath: "/health" }), createdAt: Date.now(), updatedAt: Date.now() });
  apiId = api.id;
  webId = web.id;
  stagingId = findEnvironmentByName(db, "staging")!.id;
  insertProbe(db, { name: "sample-web health", environmentId: stagingId, serviceId: web.id, createdAt: Date.now() });
  // No steady traffic here: canary analysis (tested in tests/analysis) would hold these rollouts.
  for (const id of [api.id, web.id]) putServiceAnalysis(db, id, JSON.stringify({ enabled: false }), Date.now());
  runner = startWorker(db, { owner: "test-worker" });
  // Something must run (and be probed healthy) before a release may be validated for staging.
  const captain = actor("captain@flightdeck.local");
  for (const id of [apiId, webId]) {
    const { rollout } = startRollout(captain, { serviceId: id, environmentId: stagingId, version: "0.9.0", strategy: strategySchema.parse({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }), idempotencyKey: `base-${id}` });
    await until(() => (findRollout(getDb(), rollout.id)!.status === "succeeded" ? true : undefined));
  }
  await until(() => (environmentHealth(getDb())(stagingId).overall === "healthy" ? true : undefined), 30_000);
}, 60_000);

/** Runs the staging validation of a release through the worker and waits for it to pass (C2). */
async function validated(releaseId: number) {
  const v = startValidation(actor("captain@flightdeck.local"), { releaseId, environmentId: stagingId });
  await until(() => {
    const row = findValidation(getDb(), v.id)!;
    if (row.status === "failed") throw new Error(`validation failed: ${JSON.stringify(gatesOf(getDb(), [v.id]))}`);
    return row.status === "passed" ? true : undefined;
  });
}

afterAll(async () => {
  await runner.stop();
  killDataPlane(dir);
});

const quick = { kind: "canary", steps: [{ weight: 50, holdSeconds: 1 }, { weight: 100, holdSeconds: 0 }] };

/** An admin's catalog for sample-api, then a release picking every migration of it by id. */
async function readyRelease(version: string, catalog: { id: string; kind: "expand" | "contract"; description: string; command?: string }[]) {
  const api = findServiceByName(getDb(), "sample-api")!;
  updateService(getDb(), api.id, api.rowVersion, { ...api, migrations: JSON.stringify(catalog), updatedAt: Date.now() });
  const captain = actor("captain@flightdeck.local");
  const release = createRelease(captain, {
    serviceId: apiId,
    alsoDeploy: [webId],
    timeoutMinutes: 10,
    version,
    commitSha: "abc1234",
    changeLog: "Two services, ordered migrations.",
    rollbackPlan: "Abort the canaries; contract migrations are not run before both are healthy.",
    migrations: catalog.map((m) => ({ id: m.id })),
    strategy: strategySchema.parse(quick),
    hotfix: false,
    sev1: false,
    soakMinutes: 0,
    monitoringMinutes: 15,
  });
  // The checklist itself is covered elsewhere: mark it passed as set-up.
  for (const item of preflightOf(getDb(), release.id)) setPreflightResult(getDb(), item.id, { status: "passed", evidence: "test set-up", decidedBy: captain.id, decidedAt: Date.now() });
  await validated(release.id);
  return { release, captain };
}

describe("a release with several deployments and ordered migrations (G4, G5)", () => {
  it("runs expand migrations first, rolls out both services, runs contract migrations only when both are healthy, then soaks", async () => {
    const log = (m: string) => `echo ${m} $(date +%s%N) >> ${journal}`;
    const { release, captain } = await readyRelease("1.0.0", [
      { id: "001-add-column", kind: "expand", description: "add nullable column", command: log("{{migration}}") },
      { id: "002-backfill", kind: "expand", description: "", command: log("{{migration}}") },
      { id: "003-drop-old-column", kind: "contract", description: "", command: log("{{migration}}") },
    ]);
    const started = driveRelease(captain, { releaseId: release.id, command: "deploy_staging", idempotencyKey: "deploy-1" });
    // Expand migrations are pending, so no rollout exists yet: the worker starts them after.
    expect(started.rolloutIds).toEqual([]);
    await until(() => (findRelease(getDb(), release.id)!.status === "staging_soak" ? true : undefined));

    const runs = migrationRunsOf(getDb(), release.id);
    expect(runs.map((r) => [r.migrationId, r.kind, r.status, r.version])).toEqual([
      ["001-add-column", "expand", "succeeded", "1.0.0"],
      ["002-backfill", "expand", "succeeded", "1.0.0"],
      ["003-drop-old-column", "contract", "succeeded", "1.0.0"],
    ]);
    const rollouts = rolloutsOfRelease(getDb(), release.id);
    expect(rollouts.map((r) => r.serviceId).sort()).toEqual([apiId, webId].sort());
    expect(rollouts.every((r) => r.status === "succeeded" && r.createdBy === captain.id && r.deadlineAt !== null)).toBe(true);
    // Order: both expands finished before any rollout was created; the contract started after both succeeded.
    const firstRollout = Math.min(...rollouts.map((r) => r.createdAt));
    const lastFinished = Math.max(...rollouts.map((r) => r.finishedAt!));
    expect(runs[1]!.finishedAt!).toBeLessThanOrEqual(firstRollout);
    expect(runs[2]!.startedAt).toBeGreaterThanOrEqual(lastFinished);
    expect(readFileSync(journal, "utf8").split("\n").filter(Boolean).map((l) => l.split(" ")[0])).toEqual(["001-add-column", "002-backfill", "003-drop-old-column"]);
    const audited = listAuditEvents(getDb(), { action: "migration.run", subjectId: String(release.id) }, { limit: 10 }).events;
    expect(audited).toHaveLength(3);
  }, 60_000);

  it("a failing expand migration starts no rollout and is shown with its output; a retry runs only what did not succeed", async () => {
    const flag = path.join(shared, "allow-002");
    const { release, captain } = await readyRelease("1.1.0", [
      { id: "101-ok", kind: "expand", description: "", command: `echo ok-101 >> ${journal}` },
      { id: "102-flaky", kind: "expand", description: "", command: `test -f ${flag} || { echo "relation users is locked" >&2; exit 3; }` },
    ]);
    driveRelease(captain, { releaseId: release.id, command: "deploy_staging", idempotencyKey: "deploy-2" });
    const failed = await until(() => migrationRunsOf(getDb(), release.id).find((r) => r.status === "failed"));
    expect(failed).toMatchObject({ migrationId: "102-flaky", output: expect.stringContaining("relation users is locked") as unknown });
    await new Promise((r) => setTimeout(r, 500));
    expect(rolloutsOfRelease(getDb(), release.id)).toEqual([]);
    expect(findRelease(getDb(), release.id)!.status).toBe("staging_deploy");

    writeFileSync(flag, "");
    driveRelease(captain, { releaseId: release.id, command: "deploy_staging", idempotencyKey: "deploy-2-retry" });
    await until(() => (findRelease(getDb(), release.id)!.status === "staging_soak" ? true : undefined));
    const runs = migrationRunsOf(getDb(), release.id).map((r) => `${r.migrationId}:${r.status}`);
    expect(runs).toEqual(["101-ok:succeeded", "102-flaky:failed", "102-flaky:succeeded"]);
  }, 60_000);

  it("when one deployment rolls back, the other deployments of the release are aborted too", async () => {
    const captain = actor("captain@flightdeck.local");
    const { release } = await readyRelease("1.3.0", []);
    const slow = { kind: "canary", steps: [{ weight: 20, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] };
    updateRelease(getDb(), release.id, findRelease(getDb(), release.id)!.rowVersion, { strategy: JSON.stringify(slow) });
    await validated(release.id); // the strategy changed: the earlier validation no longer counts
    const { rolloutIds } = driveRelease(captain, { releaseId: release.id, command: "deploy_staging", idempotencyKey: "deploy-3" });
    expect(rolloutIds).toHaveLength(2);
    await until(() => (rolloutIds.every((id) => findRollout(getDb(), id)!.phase === "hold") ? true : undefined));
    controlRollout(actor("oncall@flightdeck.local"), { rolloutId: rolloutIds[0]!, command: "abort", reason: "api 5xx" });
    await until(() => (rolloutIds.every((id) => findRollout(getDb(), id)!.status === "rolled_back") ? true : undefined));
    expect(findRollout(getDb(), rolloutIds[1]!)!.reason).toBe(`Rollout #${rolloutIds[0]} of the same release rolled back`);
    // In staging the release waits for another try.
    expect(findRelease(getDb(), release.id)!.status).toBe("staging_deploy");
  }, 60_000);

  it("a deployment that is not done within its timeout is aborted by the worker, with the reason", async () => {
    const staging = findEnvironmentByName(getDb(), "staging")!;
    const rollout = writeTransaction(getDb(), (tx) =>
      createRollout(
        tx,
        {
          actor: actor("captain@flightdeck.local"),
          serviceId: webId,
          environment: staging,
          fromVersion: "1.1.0",
          toVersion: "1.2.0",
          strategy: strategySchema.parse({ kind: "canary", steps: [{ weight: 10, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] }),
          idempotencyKey: "deadline-test",
          deadlineAt: Date.now() + 3000,
        },
        Date.now(),
      ),
    );
    const done = await until(() => {
      const r = findRollout(getDb(), rollout.id)!;
      return r.status === "rolled_back" ? r : undefined;
    });
    expect(done.reason).toMatch(/^Deployment timed out: not healthy within \d+ min$/);
    expect(done.stepIndex).toBe(1); // it was holding at 10% when the timeout hit
    expect(stagingId).toBeGreaterThan(0);
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  }, 60_000);
});
