import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killDataPlane } from "@/tests/support/data-plane";
import { until as waitFor } from "@/tests/support/wait";
import { expectWeightedSplit } from "@/tests/support/split";
import { versionsSeen } from "@/tests/support/traffic";
import { sampleApiOnLocalDriver } from "@/tests/support/local-world";

// A fresh database for this file; the db module reads FLIGHTDECK_DB when first used.
const dir = mkdtempSync(path.join(tmpdir(), "fd-flow-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

const { getDb, getSqlite } = await import("@/db/client");
const { findEnvironmentByName } = await import("@/db/queries/catalog");
const { findRollout, serviceEnvState } = await import("@/db/queries/rollouts");
const { startRollout } = await import("./start-rollout");
const { controlRollout } = await import("./control-rollout");
const { planRollback } = await import("./plan-rollback");
const { executeRollback } = await import("./execute-rollback");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");

// Port blocks per test file are disjoint (files run in parallel) and below the ephemeral range
// (32768+), where an outgoing connection could already hold a port a test wants to listen on: 22000-23999 here.
const routerPort = 22_000 + Math.floor(Math.random() * 10) * 200;
let runner: Awaited<ReturnType<typeof sampleApiOnLocalDriver>>["runner"];

function actor(email: string) {
  const u = findUserByEmail(getDb(), email)!;
  return { kind: "user" as const, id: u.id, email: u.email, name: u.name, roles: rolesOfUser(getDb(), u.id) as never[] };
}


const until = <T>(fn: () => T | undefined | Promise<T | undefined>, ms = 20_000) => waitFor(fn, ms);
const split = (n: number) => versionsSeen(routerPort, n);

let serviceId = 0;
let stagingId = 0;
beforeAll(async () => {
  const world = await sampleApiOnLocalDriver(routerPort, "test-worker");
  ({ serviceId, runner } = world);
  stagingId = world.staging.id;
});

afterAll(async () => {
  await runner.stop();
  killDataPlane(dir);
});

const canary = (steps: [number, number][]) => ({ kind: "canary", steps: steps.map(([weight, holdSeconds]) => ({ weight, holdSeconds })) });

describe("rollouts end to end (service -> job -> worker -> local driver -> router)", () => {
  it("a first rollout puts 1.0.0 in place as stable and records it as last known good", async () => {
    const { rollout } = startRollout(actor("captain@flightdeck.local"), { serviceId, environmentId: stagingId, version: "1.0.0", strategy: canary([[100, 0]]) as never, idempotencyKey: "first-rollout" });
    await until(() => (findRollout(getDb(), rollout.id)!.status === "succeeded" ? true : undefined));
    expect(serviceEnvState(getDb(), serviceId, stagingId)).toMatchObject({ currentVersion: "1.0.0", lastGoodVersion: "1.0.0" });
    expect(await split(10)).toEqual({ "1.0.0": 10 });
  }, 30_000);

  it("a double-clicked start creates one rollout", () => {
    const cap = actor("captain@flightdeck.local");
    const input = { serviceId, environmentId: stagingId, version: "1.1.0", strategy: canary([[20, 6], [50, 1], [100, 0]]) as never, idempotencyKey: "dbl-click" };
    const a = startRollout(cap, input);
    const b = startRollout(cap, input);
    expect(b.created).toBe(false);
    expect(b.rollout.id).toBe(a.rollout.id);
  });

  it("walks the canary steps with real traffic on both versions, then promotes", async () => {
    const id = startRollout(actor("captain@flightdeck.local"), { serviceId, environmentId: stagingId, version: "1.1.0", strategy: canary([[20, 6], [50, 1], [100, 0]]) as never, idempotencyKey: "dbl-click" }).rollout.id;
    await until(() => (findRollout(getDb(), id)!.weight === 20 ? true : undefined));
    // Measured within the 6 s hold at 20%: both versions answer, the canary about a fifth.
    const at20 = await split(100);
    expect(Object.keys(at20).sort()).toEqual(["1.0.0", "1.1.0"]);
    expectWeightedSplit(at20, { stable: "1.0.0", canary: "1.1.0", weight: 20 });
    await until(() => (findRollout(getDb(), id)!.status === "succeeded" ? true : undefined));
    expect(await split(10)).toEqual({ "1.1.0": 10 });
    expect(serviceEnvState(getDb(), serviceId, stagingId)).toMatchObject({ currentVersion: "1.1.0", lastGoodVersion: "1.1.0" });
  }, 30_000);

  it("abort returns all traffic to the stable version", async () => {
    const id = startRollout(actor("captain@flightdeck.local"), { serviceId, environmentId: stagingId, version: "1.2.0-bad", strategy: canary([[50, 60], [100, 0]]) as never, idempotencyKey: "abort-me" }).rollout.id;
    await until(() => (findRollout(getDb(), id)!.phase === "hold" ? true : undefined));
    expectWeightedSplit(await split(200), { stable: "1.1.0", canary: "1.2.0-bad", weight: 50 });
    controlRollout(actor("oncall@flightdeck.local"), { rolloutId: id, command: "abort", reason: "error rate too high" });
    await until(() => (findRollout(getDb(), id)!.status === "rolled_back" ? true : undefined));
    expect(await split(20)).toEqual({ "1.1.0": 20 });
    expect(serviceEnvState(getDb(), serviceId, stagingId)).toMatchObject({ currentVersion: "1.1.0", lastGoodVersion: "1.1.0" });
  }, 30_000);

  it("controls are authorized per role and refused transitions explain why", () => {
    const id = startRollout(actor("dev@flightdeck.local"), { serviceId, environmentId: stagingId, version: "1.3.0", strategy: canary([[10, 600], [100, 0]]) as never, idempotencyKey: "dev-staging" }).rollout.id;
    expect(() => controlRollout(actor("viewer@flightdeck.local"), { rolloutId: id, command: "pause" })).toThrow(/permission/);
    expect(() => controlRollout(actor("dev@flightdeck.local"), { rolloutId: id, command: "promote" })).toThrow(/permission/);
    expect(() => controlRollout(actor("captain@flightdeck.local"), { rolloutId: id, command: "resume" })).toThrow(/Only a paused rollout/);
    const prod = findEnvironmentByName(getDb(), "production")!.id;
    expect(() => startRollout(actor("dev@flightdeck.local"), { serviceId, environmentId: prod, version: "1.3.0", strategy: canary([[100, 0]]) as never, idempotencyKey: "dev-prod" })).toThrow(/staging only/);
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  });

  it("rollback is a dry-run plan first; applying it aborts a live rollout, then redeploys the previous version", async () => {
    const oncall = actor("oncall@flightdeck.local");
    const live = planRollback(getDb(), serviceId, stagingId);
    expect(live).toMatchObject({ ok: true, kind: "abort_live", from: "1.3.0", to: "1.1.0" });
    expect(() => executeRollback(actor("viewer@flightdeck.local"), { serviceId, environmentId: stagingId, expectedTo: "1.1.0", reason: "nope", idempotencyKey: "rb-viewer" })).toThrow(/permission/);
    expect(() => executeRollback(oncall, { serviceId, environmentId: stagingId, expectedTo: "0.9.0", reason: "stale plan", idempotencyKey: "rb-stale" })).toThrow(/plan changed/);
    const aborted = executeRollback(oncall, { serviceId, environmentId: stagingId, expectedTo: "1.1.0", reason: "errors", idempotencyKey: "rb-1" });
    await until(() => (findRollout(getDb(), aborted.id)!.status === "rolled_back" ? true : undefined));

    const redeploy = planRollback(getDb(), serviceId, stagingId);
    expect(redeploy).toMatchObject({ ok: true, kind: "redeploy", from: "1.1.0", to: "1.0.0", source: "last known good before the current version" });
    const r = executeRollback(oncall, { serviceId, environmentId: stagingId, expectedTo: "1.0.0", reason: "1.1.0 leaks memory", idempotencyKey: "rb-2" });
    await until(() => (findRollout(getDb(), r.id)!.status === "succeeded" ? true : undefined));
    expect(await split(10)).toEqual({ "1.0.0": 10 });

    process.env.LAST_GOOD_COMMIT = "0.9.9";
    expect(planRollback(getDb(), serviceId, stagingId)).toMatchObject({ ok: true, to: "0.9.9", source: "LAST_GOOD_COMMIT" });
    delete process.env.LAST_GOOD_COMMIT;
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  }, 40_000);

  it("a canary process that dies during a hold is detected and reported; abort restores traffic", async () => {
    const cap = actor("captain@flightdeck.local");
    const id = startRollout(cap, { serviceId, environmentId: stagingId, version: "1.4.0", strategy: canary([[30, 120], [100, 0]]) as never, idempotencyKey: "dies" }).rollout.id;
    await until(() => (findRollout(getDb(), id)!.phase === "hold" ? true : undefined));
    const sup = JSON.parse(readFileSync(path.join(dir, "local-driver", "sample-api-staging", "supervision.json"), "utf8")) as { canary: { pid: number } };
    process.kill(sup.canary.pid, "SIGKILL");
    const failed = await until(() => {
      const r = findRollout(getDb(), id)!;
      return r.status === "failed" ? r : undefined;
    }, 10_000);
    expect(failed.reason).toMatch(/canary version 1\.4\.0 is down: process \d+ is not running/);
    controlRollout(cap, { rolloutId: id, command: "abort", reason: "canary died" });
    await until(() => (findRollout(getDb(), id)!.status === "rolled_back" ? true : undefined));
    expect(await split(10)).toEqual({ "1.0.0": 10 });
  }, 30_000);

  it("the worker repairs the data plane: a killed router and stable version come back with the split, audited", async () => {
    const supFile = path.join(dir, "local-driver", "sample-api-staging", "supervision.json");
    const sup = JSON.parse(readFileSync(supFile, "utf8")) as { router: { pid: number }; stable: { pid: number } };
    process.kill(sup.router.pid, "SIGKILL");
    process.kill(sup.stable.pid, "SIGKILL");
    const seen = await until(async () => {
      try {
        const s = await split(5);
        return s["1.0.0"] === 5 ? s : undefined;
      } catch {
        return undefined;
      }
    }, 20_000);
    expect(seen).toEqual({ "1.0.0": 5 });
    // The repair is audited right after it completes (traffic may be back a moment earlier).
    const events = await until(() => {
      const rows = getSqlite().prepare("SELECT details FROM audit_events WHERE action = 'driver.reconcile'").all() as { details: string }[];
      const text = rows.map((r) => r.details).join(" ");
      return text.includes("router restarted") && text.includes("stable 1.0.0 was down") ? rows : undefined;
    }, 10_000);
    expect(events.map((e) => e.details).join(" ")).toMatch(/router restarted[\s\S]*stable 1\.0\.0 was down|stable 1\.0\.0 was down[\s\S]*router restarted/);
  }, 30_000);
});
