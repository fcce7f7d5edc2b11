import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { findFlag } from "@/db/queries/flags";
import { findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import type { Actor, SystemActor } from "@/lib/domain/actor";
import { DEFAULT_ANALYSIS } from "@/lib/domain/analysis/config";
import { FLAG_MESSAGES } from "@/lib/domain/flags/flag";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from "@/lib/errors";
import { autoRollback } from "@/lib/services/analysis/auto-rollback";
import { createFlag } from "@/lib/services/flags/create-flag";
import { disableFlag } from "@/lib/services/flags/disable-flag";
import { updateFlag } from "@/lib/services/flags/update-flag";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { actorFor, auditEvents, expectRefusedWithoutWrites, lastAuditId } from "../support/db";
import { DEMO, NOW, freshSeededDbPerTest, walkRolloutToSuccess } from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const who = (name: string): Actor => actorFor(db, DEMO(name));
const WORKER: SystemActor = { kind: "system", label: "worker" };
const ids = () => ({ serviceId: findServiceByName(db, "sample-api")!.id, staging: findEnvironmentByName(db, "staging")!.id, production: findEnvironmentByName(db, "production")!.id });

/** A flag bound to sample-api in staging (the environment the test rollouts run in). */
function boundFlag(key = "release_20250814", over: Record<string, unknown> = {}) {
  const { serviceId, staging } = ids();
  return createFlag(who("captain"), { key, description: "Elite AI endpoints", enabled: "false", rolloutPercentage: "0", serviceId: String(serviceId), environmentId: String(staging), ...over }, undefined, NOW);
}

/** A canary of sample-api in staging: deploy, 25% held a minute, 100%, promote. */
function startCanary(key = "flags-canary") {
  const { serviceId, staging } = ids();
  const input = startRolloutInput.parse({ serviceId, environmentId: staging, version: "2.0.0", strategy: { kind: "canary", steps: [{ weight: 25, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] }, idempotencyKey: key });
  return startRollout(who("captain"), input, undefined, NOW).rollout.id;
}

/** What the worker reports for a rollout, applied through the real rollout engine. */
const report = (rolloutId: number, event: RolloutEvent, at = NOW) =>
  writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, rolloutId)!, event, { actor: WORKER, environment: "staging" }, at));

/** Deploy done, then the 25% shift applied: the canary takes a quarter of the traffic. */
function canaryAt25(): number {
  const id = startCanary();
  report(id, { type: "step_succeeded", at: NOW, weight: 0 });
  report(id, { type: "step_succeeded", at: NOW, weight: 25 });
  return id;
}

const stateOf = (id: number) => {
  const f = findFlag(db, id)!;
  return { enabled: f.enabled, rolloutPercentage: f.rolloutPercentage, lastRolloutId: f.lastRolloutId };
};

describe("createFlag", () => {
  it("adds a bound flag, audited as flag.create with its binding", () => {
    const before = lastAuditId(sqlite);
    const flag = createFlag(who("captain"), { key: "release_20250814", description: "Elite AI endpoints", enabled: "on", rolloutPercentage: "5", serviceId: String(ids().serviceId), environmentId: String(ids().production) }, "req-flag", NOW);
    expect(findFlag(db, flag.id)).toMatchObject({ key: "release_20250814", enabled: true, rolloutPercentage: 5, serviceId: ids().serviceId, environmentId: ids().production, createdBy: who("captain").id });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "flag.create",
        subjectType: "flag",
        subjectId: String(flag.id),
        environment: "production",
        requestId: "req-flag",
        details: { key: "release_20250814", description: "Elite AI endpoints", enabled: true, rolloutPercentage: 5, binding: { service: "sample-api", environment: "production" } },
      }),
    ]);
  });

  it("admins may manage flags; an unbound flag has no environment", () => {
    const flag = createFlag(who("admin"), { key: "new-checkout", rolloutPercentage: 50 }, undefined, NOW);
    expect(findFlag(db, flag.id)).toMatchObject({ enabled: false, rolloutPercentage: 50, serviceId: null, environmentId: null });
  });

  it.each(["dev", "viewer", "oncall", "owner", "security", "sentinel", "lead", "feature"])("%s may not manage flags (nothing written)", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createFlag(who(name), { key: "x-flag", rolloutPercentage: 5 }, undefined, NOW), ForbiddenError);
    expect(err).toMatchObject({ permission: "flag.manage" });
  });

  it.each([[101], [-1], ["12.5"], ["abc"]])("percentage %s is refused with its message, nothing written", async (rolloutPercentage) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createFlag(who("captain"), { key: "x-flag", rolloutPercentage }, undefined, NOW), InvalidError, FLAG_MESSAGES.percentage);
    expect(err).toMatchObject({ fieldErrors: { rolloutPercentage: [FLAG_MESSAGES.percentage] } });
  });

  it("a taken key, a half binding and an unknown service are refused, nothing written", async () => {
    boundFlag();
    await expectRefusedWithoutWrites(sqlite, () => boundFlag(), ConflictError, FLAG_MESSAGES.keyTaken("release_20250814"));
    await expectRefusedWithoutWrites(sqlite, () => createFlag(who("captain"), { key: "half", rolloutPercentage: 0, serviceId: String(ids().serviceId) }, undefined, NOW), InvalidError, FLAG_MESSAGES.binding);
    await expectRefusedWithoutWrites(sqlite, () => boundFlag("ghost", { serviceId: "9999" }), InvalidError, "That service does not exist (any more).");
  });
});

describe("updateFlag and the kill switch", () => {
  it("edits percentage, state and binding, audited with before and after", () => {
    const flag = boundFlag();
    const before = lastAuditId(sqlite);
    const after = updateFlag(who("captain"), { id: flag.id, rowVersion: flag.rowVersion, description: "Elite", enabled: "on", rolloutPercentage: "10" }, undefined, NOW);
    expect(after).toMatchObject({ enabled: true, rolloutPercentage: 10, serviceId: null, environmentId: null, rowVersion: flag.rowVersion + 1 });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "flag.update",
        environment: "staging",
        details: {
          key: "release_20250814",
          before: { description: "Elite AI endpoints", enabled: false, rolloutPercentage: 0, binding: { service: "sample-api", environment: "staging" } },
          after: { description: "Elite", enabled: true, rolloutPercentage: 10, binding: null },
        },
      }),
    ]);
  });

  it("an unknown flag is NOT_FOUND, a bad percentage INVALID, a stale form CONFLICT: nothing written", async () => {
    const flag = boundFlag();
    await expectRefusedWithoutWrites(sqlite, () => updateFlag(who("captain"), { id: 9999, rowVersion: 1, rolloutPercentage: 5 }, undefined, NOW), NotFoundError, "Flag was not found.");
    await expectRefusedWithoutWrites(sqlite, () => updateFlag(who("captain"), { id: flag.id, rowVersion: flag.rowVersion, rolloutPercentage: 250 }, undefined, NOW), InvalidError, FLAG_MESSAGES.percentage);
    updateFlag(who("captain"), { id: flag.id, rowVersion: flag.rowVersion, rolloutPercentage: 5 }, undefined, NOW);
    await expectRefusedWithoutWrites(sqlite, () => updateFlag(who("captain"), { id: flag.id, rowVersion: flag.rowVersion, rolloutPercentage: 6 }, undefined, NOW), ConflictError, /changed this flag/);
    await expectRefusedWithoutWrites(sqlite, () => disableFlag(who("captain"), { id: 9999 }, undefined, NOW), NotFoundError, "Flag was not found.");
    await expectRefusedWithoutWrites(sqlite, () => disableFlag(who("viewer"), { id: flag.id }, undefined, NOW), ForbiddenError);
  });

  it("switches a flag off and to 0% at once (flag.disabled); a second press changes nothing", () => {
    const flag = boundFlag("kill-me", { enabled: "on", rolloutPercentage: "40" });
    const before = lastAuditId(sqlite);
    disableFlag(who("admin"), { id: flag.id }, undefined, NOW);
    disableFlag(who("admin"), { id: flag.id }, undefined, NOW);
    expect(stateOf(flag.id)).toEqual({ enabled: false, rolloutPercentage: 0, lastRolloutId: null });
    expect(auditEvents(sqlite, before).map((e) => [e.action, e.details])).toEqual([
      ["flag.disabled", { key: "kill-me", before: { enabled: true, rolloutPercentage: 40 }, after: { enabled: false, rolloutPercentage: 0 }, by: "kill switch" }],
    ]);
  });
});

describe("a bound flag follows its service's rollout in its environment (runbook 002)", () => {
  it("each shift sets the step's weight, in the rollout event's transaction and audited with the rollout id", () => {
    const flag = boundFlag();
    const elsewhere = boundFlag("prod-flag", { environmentId: String(ids().production), enabled: "on", rolloutPercentage: "7" });
    const unbound = createFlag(who("captain"), { key: "unbound", enabled: "on", rolloutPercentage: 3 }, undefined, NOW);
    const before = lastAuditId(sqlite);
    const id = canaryAt25();
    expect(stateOf(flag.id)).toEqual({ enabled: true, rolloutPercentage: 25, lastRolloutId: id });
    expect(stateOf(elsewhere.id)).toMatchObject({ enabled: true, rolloutPercentage: 7 });
    expect(stateOf(unbound.id)).toMatchObject({ enabled: true, rolloutPercentage: 3 });
    // Right behind the step's own event in the chain: one transaction.
    const events = auditEvents(sqlite, before).filter((e) => e.action !== "gate.would_block");
    const set = events.findIndex((e) => e.action === "flag.rollout_set");
    expect(events[set - 1]).toMatchObject({ action: "rollout.step_succeeded", subjectId: String(id), details: { weight: 25 } });
    expect(events[set]).toMatchObject({
      actorLabel: "worker",
      subjectType: "flag",
      subjectId: String(flag.id),
      environment: "staging",
      details: { key: "release_20250814", rolloutId: id, event: "step_succeeded", rolloutStatus: "running", before: { enabled: false, rolloutPercentage: 0 }, after: { enabled: true, rolloutPercentage: 25 } },
    });
  });

  it("promotion leaves it at 100%", () => {
    const flag = boundFlag();
    const id = canaryAt25();
    walkRolloutToSuccess(db, id, "staging");
    expect(findRollout(db, id)!.status).toBe("succeeded");
    expect(stateOf(flag.id)).toEqual({ enabled: true, rolloutPercentage: 100, lastRolloutId: id });
  });

  it("an immediate abort by on-call switches it off at once (flag.disabled with the rollout id)", () => {
    const flag = boundFlag();
    const id = canaryAt25();
    const before = lastAuditId(sqlite);
    controlRollout(who("oncall"), { rolloutId: id, command: "abort", reason: "5xx at 7%" }, "req-abort", NOW + 1000);
    expect(findRollout(db, id)!.status).toBe("rolling_back");
    expect(stateOf(flag.id)).toEqual({ enabled: false, rolloutPercentage: 0, lastRolloutId: id });
    const flagEvents = auditEvents(sqlite, before).filter((e) => e.subjectType === "flag");
    expect(flagEvents).toHaveLength(1);
    expect(flagEvents[0]).toMatchObject({ action: "flag.disabled", actorLabel: DEMO("oncall"), requestId: "req-abort", details: { rolloutId: id, event: "abort", rolloutStatus: "rolling_back" } });
  });

  const decision = (kind: "rollback_immediate" | "rollback_gradual") => ({
    kind,
    ruleId: kind === "rollback_immediate" ? "002-5xx-5" : "002-p95-600",
    source: "runbook 002",
    metric: "error_rate" as const,
    comparison: "gt" as const,
    canary: 7,
    baseline: 0,
    threshold: 5,
    windowSeconds: 60,
    forMs: 60_000,
    satisfiedAt: NOW,
    sentence: "canary 5xx 7% > 5%",
  });

  it("an automatic immediate rollback switches it off", () => {
    const flag = boundFlag();
    const id = canaryAt25();
    writeTransaction(db, (tx) => autoRollback(tx, findRollout(tx, id)!, decision("rollback_immediate") as never, { cfg: DEFAULT_ANALYSIS, environment: "staging", at: NOW + 1000 }));
    expect(stateOf(flag.id)).toMatchObject({ enabled: false, rolloutPercentage: 0 });
  });

  it("an automatic gradual rollback sets 0% first, then switches it off once the canary is removed", () => {
    const flag = boundFlag();
    const id = canaryAt25();
    writeTransaction(db, (tx) => autoRollback(tx, findRollout(tx, id)!, decision("rollback_gradual") as never, { cfg: DEFAULT_ANALYSIS, environment: "staging", at: NOW + 1000 }));
    expect(stateOf(flag.id)).toMatchObject({ enabled: true, rolloutPercentage: 0 });
    report(id, { type: "rollback_drained" }, NOW + 2000);
    expect(stateOf(flag.id)).toMatchObject({ enabled: true, rolloutPercentage: 0 });
    report(id, { type: "rollback_succeeded" }, NOW + 3000);
    expect(findRollout(db, id)!.status).toBe("rolled_back");
    expect(stateOf(flag.id)).toMatchObject({ enabled: false, rolloutPercentage: 0 });
    expect(auditEvents(sqlite).filter((e) => e.subjectType === "flag" && e.details.rolloutId === id).map((e) => [e.action, e.details.after])).toEqual([
      ["flag.rollout_set", { enabled: true, rolloutPercentage: 25 }],
      ["flag.rollout_set", { enabled: true, rolloutPercentage: 0 }],
      ["flag.disabled", { enabled: false, rolloutPercentage: 0 }],
    ]);
  });
});
