import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killDataPlane } from "@/tests/support/data-plane";
import { until as waitFor } from "@/tests/support/wait";
import { sampleApiOnLocalDriver } from "@/tests/support/local-world";

// Post-rollback verification and the release change log (K2) on real processes: the worker, the
// local driver's router and versions, SQLite. Rollbacks in staging and production are verified
// against the restored version; a dead stable version fails the verification (and, in production,
// raises the incident to P1).
const dir = mkdtempSync(path.join(tmpdir(), "fd-verify-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

const { getDb, getSqlite } = await import("@/db/client");
const { writeTransaction } = await import("@/db/transaction");
const { findRollout, rolloutLogSince } = await import("@/db/queries/rollouts");
const { insertRelease } = await import("@/db/queries/releases");
const { incidentOfRollout, timelineOf, findIncident } = await import("@/db/queries/incidents");
const { changelogOfRelease, verificationOf } = await import("@/db/queries/changelog");
const { jobs } = await import("@/db/schema");
const { and, asc, eq, sql } = await import("drizzle-orm");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { createRollout } = await import("@/lib/services/rollouts/create-rollout");
const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
const { executeRollback } = await import("@/lib/services/rollouts/execute-rollback");
const { applyRolloutEvent } = await import("@/lib/services/rollouts/apply-rollout-event");
const { strategySchema } = await import("@/lib/domain/rollout/strategy");
const { VERIFY_ATTEMPTS, VERIFY_RETRY_MS } = await import("@/lib/domain/rollout/rollback-verification");
const { verifyRollbackHandlers } = await import("@/lib/jobs/handlers/verify-rollback");
const { ROLLOUT_VERIFY_JOB } = await import("@/lib/jobs/kinds");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");
const { auditEvents } = await import("@/tests/support/db");

type JobRow = typeof jobs.$inferSelect;

// Port block of this file: 17000-17999 (between the PM2 driver test's and true-percentiles' blocks).
const routerPort = 17_000 + Math.floor(Math.random() * 5) * 200;
let runner: Awaited<ReturnType<typeof sampleApiOnLocalDriver>>["runner"] | undefined;

function actor(email: string) {
  const u = findUserByEmail(getDb(), email)!;
  return { kind: "user" as const, id: u.id, email: u.email, name: u.name, roles: rolesOfUser(getDb(), u.id) as never[] };
}
const captain = () => actor("captain@flightdeck.local");
const until = <T>(fn: () => T | undefined | Promise<T | undefined>, ms = 30_000) => waitFor(fn, ms);
const canary = (steps: [number, number][]) => strategySchema.parse({ kind: "canary", steps: steps.map(([weight, holdSeconds]) => ({ weight, holdSeconds })) });
const WORKER = { kind: "system", label: "worker" } as const;

const verifyJobs = (rolloutId: number): JobRow[] =>
  getDb()
    .select()
    .from(jobs)
    .where(and(eq(jobs.kind, ROLLOUT_VERIFY_JOB), sql`json_extract(${jobs.payload}, '$.rolloutId') = ${rolloutId}`))
    .orderBy(asc(jobs.id))
    .all();
const eventsOf = (rolloutId: number) => auditEvents(getSqlite()).filter((e) => e.subjectType === "rollout" && e.subjectId === String(rolloutId));
const logOf = (rolloutId: number) => rolloutLogSince(getDb(), rolloutId, 0).map((l) => l.message);
const statusIs = (id: number, status: string) => () => (findRollout(getDb(), id)!.status === status ? true : undefined);
const verifiedAs = (id: number, status: "passed" | "failed") => () => (verificationOf(getDb(), id)?.status === status ? verificationOf(getDb(), id) : undefined);

let serviceId = 0;
let staging = { id: 0, name: "staging" };
let production = { id: 0, name: "production" };

function release(version: string): number {
  const now = Date.now();
  return insertRelease(getDb(), {
    serviceId,
    version,
    commitSha: `c0ffee${version.replace(/\D/g, "")}`,
    changeLog: `Release ${version}`,
    rollbackPlan: "Redeploy the previous version.",
    strategy: JSON.stringify({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }),
    createdBy: captain().id,
    createdAt: now,
    updatedAt: now,
  }).id;
}

/** A release's rollout, started as the release machinery would (test setup: no approvals needed in monitor mode). */
function releaseRollout(releaseId: number, environment: { id: number; name: string }, from: string | null, to: string, steps: [number, number][], key: string) {
  return writeTransaction(getDb(), (tx) =>
    createRollout(tx, { actor: captain(), serviceId, environment, fromVersion: from, toVersion: to, strategy: canary(steps), idempotencyKey: key, releaseId }, Date.now()),
  );
}

function stablePid(environment: string): number {
  const sup = JSON.parse(readFileSync(path.join(dir, "local-driver", `sample-api-${environment}`, "supervision.json"), "utf8")) as { stable: { pid: number } };
  return sup.stable.pid;
}

let release100 = 0;
let release110 = 0;
let base: Record<string, number> = {};

beforeAll(async () => {
  ({ serviceId, staging, production, runner } = await sampleApiOnLocalDriver(routerPort, "verify-test-worker"));
  release100 = release("1.0.0");
  release110 = release("1.1.0");
  base = {
    staging: releaseRollout(release100, staging, null, "1.0.0", [[100, 0]], "base-staging").id,
    production: releaseRollout(release100, production, null, "1.0.0", [[100, 0]], "base-production").id,
  };
  await until(statusIs(base.staging!, "succeeded"), 60_000);
  await until(statusIs(base.production!, "succeeded"), 60_000);
}, 90_000);

afterAll(async () => {
  await runner?.stop();
  killDataPlane(dir);
});

describe("post-rollback verification through the worker and the local driver (K2)", () => {
  it("a release's succeeded rollouts are 'deployed' in its change log; nothing to verify", () => {
    // In the order they finished (the two environments run side by side).
    const entries = changelogOfRelease(getDb(), release100).map((c) => [c.entry.kind, c.environment, c.entry.text, c.entry.rolloutId]);
    expect(entries.sort((a, b) => Number(a[3]) - Number(b[3]))).toEqual([
      ["deployed", "staging", `Deployed sample-api 1.0.0 to staging (rollout #${base.staging}).`, base.staging],
      ["deployed", "production", `Deployed sample-api 1.0.0 to production (rollout #${base.production}).`, base.production],
    ]);
    expect(verifyJobs(base.staging!)).toEqual([]);
    expect(verificationOf(getDb(), base.production!)).toBeUndefined();
  });

  it("staging: an aborted canary queues exactly one verification, which passes against the restored 1.0.0", async () => {
    const { rollout } = startRollout(captain(), { serviceId, environmentId: staging.id, version: "1.1.0", strategy: canary([[50, 120], [100, 0]]), idempotencyKey: "stg-abort" });
    await until(() => (findRollout(getDb(), rollout.id)!.phase === "hold" ? true : undefined));
    controlRollout(actor("oncall@flightdeck.local"), { rolloutId: rollout.id, command: "abort", reason: "error rate too high" });
    await until(statusIs(rollout.id, "rolled_back"));
    const v = await until(verifiedAs(rollout.id, "passed"));
    expect(v).toMatchObject({ restoredVersion: "1.0.0", attempts: 1, maxAttempts: VERIFY_ATTEMPTS });
    expect(verifyJobs(rollout.id)).toHaveLength(1);
    const [verified, ...more] = eventsOf(rollout.id).filter((e) => e.action.startsWith("rollout.verif"));
    expect(more).toEqual([]);
    expect(verified).toMatchObject({ action: "rollout.verified", actorLabel: "worker", environment: "staging" });
    const probes = verified!.details.probes as { kind: string; ok: boolean; url?: string; status?: number; version?: string; healthy?: boolean }[];
    expect(probes).toEqual([
      expect.objectContaining({ kind: "health", ok: true, version: "1.0.0", healthy: true }),
      expect.objectContaining({ kind: "smoke", ok: true, status: 200, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/health$/) as unknown }),
    ]);
    expect(verified!.details).toMatchObject({ restoredVersion: "1.0.0", attempts: 1, incidentId: null });
    const log = logOf(rollout.id);
    expect(log).toContainEqual(expect.stringMatching(/^post-rollback verification 1\/3: health: 1\.0\.0 healthy \(pid \d+, port \d+\)$/));
    expect(log).toContainEqual(expect.stringMatching(/^post-rollback verification 1\/3: smoke http:\/\/127\.0\.0\.1:\d+\/health: HTTP 200 \(\d+ ms\)$/));
    expect(log.at(-1)).toMatch(/^post-rollback verification passed: 1\.0\.0 serves in staging: /);
    // Not a release's rollout and no release of 1.1.0 deployed here before: 1.1.0's release records the rollback.
    const entry = changelogOfRelease(getDb(), release110).find((c) => c.entry.rolloutId === rollout.id)!;
    expect(entry.entry).toMatchObject({ kind: "rolled_back", originalRolloutId: base.staging });
    expect(entry.entry.text).toMatch(new RegExp(`^Rolled back sample-api 1\\.1\\.0 -> 1\\.0\\.0 in staging \\(rollout #${rollout.id}\\); original deploy: rollout #${base.staging} of 1\\.0\\.0 on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.$`));
  }, 60_000);

  it("production: a release's rollback opens its incident; the verification passes into its timeline; the change log names the original deploy", async () => {
    const r = releaseRollout(release110, production, "1.0.0", "1.1.0", [[25, 120], [100, 0]], "prod-110");
    await until(() => (findRollout(getDb(), r.id)!.phase === "hold" ? true : undefined));
    controlRollout(captain(), { rolloutId: r.id, command: "abort", reason: "customers report errors" });
    await until(statusIs(r.id, "rolled_back"));
    const incident = incidentOfRollout(getDb(), r.id)!;
    expect(incident).toMatchObject({ severity: "P2", releaseId: release110 });
    await until(verifiedAs(r.id, "passed"));
    expect(verifyJobs(r.id)).toHaveLength(1);
    const verified = eventsOf(r.id).find((e) => e.action === "rollout.verified")!;
    expect(verified.details).toMatchObject({ restoredVersion: "1.0.0", incidentId: incident.id });
    const last = timelineOf(getDb(), incident.id).at(-1)!;
    expect(last).toMatchObject({ kind: "verification_passed", auditEventId: verified.id, authorLabel: "worker" });
    expect(last.text).toMatch(/^Service restored: verification passed \(1\.0\.0 in production; health: 1\.0\.0 healthy \(pid \d+, port \d+\); smoke http:\/\/127\.0\.0\.1:\d+\/health: HTTP 200 \(\d+ ms\)\)\.$/);
    expect(findIncident(getDb(), incident.id)!.severity).toBe("P2");

    const entry = changelogOfRelease(getDb(), release110).find((c) => c.entry.rolloutId === r.id)!;
    expect(entry).toMatchObject({ environment: "production", entry: { kind: "rolled_back", releaseId: release110, originalRolloutId: base.production } });
    const original = findRollout(getDb(), base.production!)!;
    const day = new Date(original.finishedAt!).toISOString().slice(0, 16).replace("T", " ");
    expect(entry.entry.text).toBe(`Rolled back sample-api 1.1.0 -> 1.0.0 in production (rollout #${r.id}); original deploy: rollout #${base.production} of 1.0.0 on ${day} UTC.`);
  }, 60_000);

  it("production: a redeploy of the earlier version (executeRollback) is verified too, and logged on the release taken out", async () => {
    const good = releaseRollout(release110, production, "1.0.0", "1.1.0", [[100, 0]], "prod-110-again");
    await until(statusIs(good.id, "succeeded"));
    expect(verifyJobs(good.id)).toEqual([]);
    const r = executeRollback(actor("oncall@flightdeck.local"), { serviceId, environmentId: production.id, expectedTo: "1.0.0", reason: "1.1.0 leaks memory", idempotencyKey: "prod-redeploy" });
    await until(statusIs(r.id, "succeeded"));
    await until(verifiedAs(r.id, "passed"));
    expect(verifyJobs(r.id)).toHaveLength(1);
    expect(eventsOf(r.id).filter((e) => e.action === "rollout.verified")).toHaveLength(1);
    const incident = incidentOfRollout(getDb(), r.id)!;
    expect(timelineOf(getDb(), incident.id).at(-1)!.kind).toBe("verification_passed");
    const log = changelogOfRelease(getDb(), release110).filter((c) => c.environment === "production").map((c) => [c.entry.kind, c.entry.rolloutId, c.entry.originalRolloutId]);
    expect(log.slice(-2)).toEqual([
      ["deployed", good.id, null],
      ["rolled_back", r.id, base.production],
    ]);
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  }, 60_000);
});

describe("a verification fails when the restored version does not serve", () => {
  /** Runs the queued verification attempts of a rollout through the handler, on a virtual clock; returns the jobs run. */
  async function runAttempts(rolloutId: number, start: number): Promise<{ job: JobRow; at: number }[]> {
    let clock = start;
    const handlers = verifyRollbackHandlers(getDb(), () => clock);
    const ran: { job: JobRow; at: number }[] = [];
    for (let i = 0; i < VERIFY_ATTEMPTS + 2; i++) {
      const job = verifyJobs(rolloutId).find((j) => !ran.some((x) => x.job.id === j.id));
      if (!job) break;
      clock = Math.max(clock, job.runAt);
      await handlers[ROLLOUT_VERIFY_JOB]!({ job, signal: new AbortController().signal, commit: (fn) => writeTransaction(getDb(), fn) });
      ran.push({ job, at: clock });
    }
    return ran;
  }

  it("stable killed (staging, then production): three attempts spaced by the retry delay, rollout.verification_failed; the production incident becomes P1", async () => {
    // Two canaries holding, then the worker stops: the rollbacks below are reported by hand and nothing repairs the data plane.
    const stg = startRollout(captain(), { serviceId, environmentId: staging.id, version: "1.2.0", strategy: canary([[50, 600], [100, 0]]), idempotencyKey: "stg-dead" }).rollout;
    const prod = startRollout(captain(), { serviceId, environmentId: production.id, version: "1.2.0", strategy: canary([[25, 600], [100, 0]]), idempotencyKey: "prod-dead" }).rollout;
    await until(() => (findRollout(getDb(), stg.id)!.phase === "hold" ? true : undefined));
    await until(() => (findRollout(getDb(), prod.id)!.phase === "hold" ? true : undefined));
    await runner!.stop();
    runner = undefined;
    const t0 = Date.now();
    for (const [r, env] of [[stg, "staging"], [prod, "production"]] as const) {
      controlRollout(captain(), { rolloutId: r.id, command: "abort", reason: "bad canary" }, undefined, t0);
      writeTransaction(getDb(), (tx) => applyRolloutEvent(tx, findRollout(tx, r.id)!, { type: "rollback_succeeded" }, { actor: WORKER, environment: env }, t0));
      expect(verifyJobs(r.id)).toHaveLength(1);
      process.kill(stablePid(env), "SIGKILL");
    }
    const incident = incidentOfRollout(getDb(), prod.id)!;
    expect(incident.severity).toBe("P2");

    for (const [r, env] of [[stg, "staging"], [prod, "production"]] as const) {
      const ran = await runAttempts(r.id, t0);
      expect(ran.map((x) => x.at - t0)).toEqual([0, VERIFY_RETRY_MS, 2 * VERIFY_RETRY_MS]);
      expect(verificationOf(getDb(), r.id)).toMatchObject({ status: "failed", attempts: 3, finishedAt: t0 + 2 * VERIFY_RETRY_MS });
      const outcomes = eventsOf(r.id).filter((e) => e.action.startsWith("rollout.verif"));
      expect(outcomes.map((e) => e.action)).toEqual(["rollout.verification_failed"]);
      const probes = outcomes[0]!.details.probes as { kind: string; ok: boolean; status?: number | null; detail: string; healthy?: boolean }[];
      expect(probes[0]).toMatchObject({ kind: "health", ok: false, version: "1.0.0", healthy: false });
      expect(probes[0]!.detail).toMatch(/^1\.0\.0 is down: process \d+ is not running$/);
      expect(probes[1]).toMatchObject({ kind: "smoke", ok: false, status: null });
      expect(probes[1]!.detail).toMatch(/^unreachable/);
      expect(outcomes[0]).toMatchObject({ environment: env, details: { attempts: 3, restoredVersion: "1.0.0" } });
      expect(outcomes[0]!.details.reason).toMatch(new RegExp(`^1\\.0\\.0 does not serve in ${env}: health: 1\\.0\\.0 is down`));
      const log = logOf(r.id);
      expect(log.filter((m) => /^post-rollback verification \d\/3: health: /.test(m))).toHaveLength(3);
      expect(log.filter((m) => m.endsWith(`next attempt in ${VERIFY_RETRY_MS / 1000} s`))).toHaveLength(2);
      expect(log.at(-1)).toMatch(/^post-rollback verification FAILED: 1\.0\.0 does not serve in /);
      // A replayed attempt records nothing more.
      await verifyRollbackHandlers(getDb(), () => t0)[ROLLOUT_VERIFY_JOB]!({ job: ran[2]!.job, signal: new AbortController().signal, commit: (fn) => writeTransaction(getDb(), fn) });
      expect(eventsOf(r.id).filter((e) => e.action.startsWith("rollout.verif"))).toHaveLength(1);
    }
    expect(incidentOfRollout(getDb(), stg.id)).toBeUndefined();

    const raised = findIncident(getDb(), incident.id)!;
    expect(raised.severity).toBe("P1");
    const entries = timelineOf(getDb(), incident.id).slice(-2);
    expect(entries.map((e) => e.kind)).toEqual(["verification_failed", "severity_changed"]);
    expect(entries[0]!.text).toMatch(/^Verification after rollback FAILED after 3 attempts: 1\.0\.0 in production does not serve \(health: 1\.0\.0 is down: process \d+ is not running; smoke http:\/\/127\.0\.0\.1:\d+\/health: unreachable/);
    expect(entries[1]!.text).toBe("Severity P2 -> P1 by the worker: the verification after the rollback failed.");
    const change = auditEvents(getSqlite()).filter((e) => e.subjectType === "incident" && e.subjectId === String(incident.id) && e.action === "incident.severity_change");
    expect(change).toHaveLength(1);
    expect(change[0]).toMatchObject({ actorLabel: "worker", environment: "production", details: { from: "P2", to: "P1", rolloutId: prod.id } });
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  }, 90_000);
});
