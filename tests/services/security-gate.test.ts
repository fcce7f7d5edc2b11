import { describe, expect, it } from "vitest";
import { freshSeededDbPerTest } from "../support/governance";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { findOverride, readGate } from "@/db/queries/governance";
import { findRelease, rolloutsOfRelease } from "@/db/queries/releases";
import { findRollout, upsertServiceEnvState } from "@/db/queries/rollouts";
import type { Actor } from "@/lib/domain/actor";
import { BLOCK_MESSAGES, GATE_CHANGE_MESSAGES } from "@/lib/domain/policy/gate";
import { OVERRIDE_MESSAGES } from "@/lib/domain/policy/overrides";
import { releaseCommandInput } from "@/lib/domain/release/inputs";
import { controlRolloutInput, startRolloutInput } from "@/lib/domain/rollout/inputs";
import { ConflictError, ForbiddenError, PreconditionError } from "@/lib/errors";
import { rolloutHandlers } from "@/lib/jobs/handlers/rollout";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { ROLLOUT_JOB } from "@/lib/services/rollouts/apply-rollout-event";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { loadRolloutView } from "@/lib/rollout-view";
import { executeRollback } from "@/lib/services/rollouts/execute-rollback";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { createOverride } from "@/lib/services/security/create-override";
import { revokeOverride } from "@/lib/services/security/revoke-override";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { actorFor, auditEvents, expectRefusedWithoutWrites, lastAuditId, } from "../support/db";
import { DEMO, MIN, NOW, STRATEGY, approveForProduction, expectAuditedRefusal, jobContext, jobsFor, releaseAwaitingProduction } from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const who = (name: string): Actor => actorFor(db, DEMO(name));
const command = (releaseId: number, cmd: string) => releaseCommandInput.parse({ releaseId, command: cmd });
const enforce = () => setSecurityGate(who("security"), { mode: "enforce" }, undefined, NOW);
const override = (by: string, action: string, environment = "production", ttlMinutes: unknown = 60, at = NOW) =>
  createOverride(who(by), { action, environment, reason: "Planned release, CHG-1234", ttlMinutes }, undefined, at);
const prodId = () => findEnvironmentByName(db, "production")!.id;

/** A normal release with sentinel + owner approvals, ready for start_production. */
function approvedRelease() {
  const r = releaseAwaitingProduction(db);
  approveForProduction(db, r.id);
  return r;
}

describe("setSecurityGate (E1, E5)", () => {
  it("the migration starts in enforce; the demo seed switched to monitor", () => {
    expect(readGate(db)).toMatchObject({ id: 1, mode: "monitor", threatLevel: "none", lockdownReason: null });
  });

  it.each(["admin", "captain", "sentinel", "lead", "oncall", "viewer"])("%s may not change the gate (nothing written)", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => setSecurityGate(who(name), { mode: "lockdown", reason: "because" }), ForbiddenError);
    expect(err).toMatchObject({ permission: "security.manage" });
  });

  it("security sets enforce: row updated, gate.mode_set with before/after", () => {
    const before = lastAuditId(sqlite);
    const row = setSecurityGate(who("security"), { mode: "enforce" }, "req-gate", NOW);
    expect(row).toMatchObject({ mode: "enforce", threatLevel: "none", updatedBy: who("security").id, updatedAt: NOW, rowVersion: 3 });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "gate.mode_set",
        requestId: "req-gate",
        subjectType: "security_gate",
        details: { before: { mode: "monitor", threatLevel: "none", lockdownReason: null }, after: { mode: "enforce", threatLevel: "none", lockdownReason: null }, autoLockdown: false, reason: null },
      }),
    ]);
  });

  it("entering lockdown without a reason is refused (gate.change_refused only)", async () => {
    const { event } = await expectAuditedRefusal(sqlite, () => setSecurityGate(who("security"), { mode: "lockdown", reason: "  " }, "req-ld", NOW), {
      code: "PRECONDITION_FAILED",
      action: "gate.change_refused",
      message: GATE_CHANGE_MESSAGES.lockdownNeedsReason,
    });
    expect(event).toMatchObject({ requestId: "req-ld", details: { change: { mode: "lockdown", reason: "  " }, reason: GATE_CHANGE_MESSAGES.lockdownNeedsReason } });
  });

  it("threat critical locks down by itself; leaving lockdown while critical is refused; security lowers it and exits", async () => {
    const before = lastAuditId(sqlite);
    expect(setSecurityGate(who("security"), { threatLevel: "critical" }, undefined, NOW)).toMatchObject({ mode: "lockdown", threatLevel: "critical", lockdownReason: "Threat level critical" });
    expect(auditEvents(sqlite, before)[0]!.details).toMatchObject({ autoLockdown: true, after: { mode: "lockdown" } });
    await expectAuditedRefusal(sqlite, () => setSecurityGate(who("security"), { mode: "enforce" }, undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "gate.change_refused",
      message: GATE_CHANGE_MESSAGES.criticalKeepsLockdown,
    });
    expect(setSecurityGate(who("security"), { mode: "enforce", threatLevel: "medium" }, undefined, NOW)).toMatchObject({ mode: "enforce", threatLevel: "medium", lockdownReason: null });
  });

  it("a stale rowVersion is a CONFLICT and writes nothing", async () => {
    const stale = readGate(db).rowVersion;
    enforce();
    await expectRefusedWithoutWrites(sqlite, () => setSecurityGate(who("security"), { mode: "monitor", rowVersion: stale }), ConflictError, "security gate changed");
  });
});

describe("start_production through the gate (E1, E2, E5, E6)", () => {
  it("enforce: BLOCKED with exactly 'Production actions require explicit override' until an override exists, then it starts", async () => {
    const r = approvedRelease();
    enforce();
    const { error, event } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), {
      code: "BLOCKED",
      action: "gate.blocked",
    });
    expect(error.reasons).toEqual(["Production actions require explicit override"]);
    expect(event.details).toMatchObject({ mode: "enforce", requires: ["override:deploy.canary.start@production"], wouldBlock: [] });

    const o = override("security", "deploy.canary.start");
    const before = lastAuditId(sqlite);
    const out = driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW + MIN);
    expect(out.release.status).toBe("production_rollout");
    expect(rolloutsOfRelease(db, r.id)).toEqual([expect.objectContaining({ id: out.rolloutIds[0], releaseId: r.id, environmentId: prodId(), status: "running", stepIndex: 0, weight: 0 })]);
    const events = auditEvents(sqlite, before);
    expect(events.map((e) => e.action)).toEqual(["gate.override_used", "rollout.start", "release.advance"]);
    expect(events[0]).toMatchObject({ environment: "production", details: { gatedAction: "deploy.canary.start", mode: "enforce", usedOverride: o.id, reasons: [], releaseId: r.id } });
  });

  it("an override for another action or environment does not count", async () => {
    const r = approvedRelease();
    enforce();
    override("security", "deploy.canary.start", "staging");
    override("security", "deploy.rollback");
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toEqual([BLOCK_MESSAGES.overrideRequired]);
  });

  it("lockdown: BLOCKED with the lockdown reason first, even with an override", async () => {
    const r = approvedRelease();
    override("security", "deploy.canary.start");
    setSecurityGate(who("security"), { mode: "lockdown", reason: "Security incident investigation" }, undefined, NOW);
    const { error, event } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons![0]!.startsWith("Action blocked by security gate: lockdown")).toBe(true);
    expect(error.reasons).toEqual(["Action blocked by security gate: lockdown (Security incident investigation)"]);
    expect(event.details).toMatchObject({ mode: "lockdown" });
  });

  it("a high threat level blocks in enforce mode", async () => {
    const r = approvedRelease();
    override("security", "deploy.canary.start");
    setSecurityGate(who("security"), { mode: "enforce", threatLevel: "high" }, undefined, NOW);
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toEqual(["Action blocked by security gate: threat level high"]);
  });

  it("monitor: allowed, with what enforce would have blocked recorded as gate.would_block", () => {
    const r = approvedRelease();
    setSecurityGate(who("security"), { mode: "monitor", threatLevel: "high" }, undefined, NOW);
    const before = lastAuditId(sqlite);
    expect(driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW).release.status).toBe("production_rollout");
    const [gate] = auditEvents(sqlite, before);
    expect(gate).toMatchObject({
      action: "gate.would_block",
      details: { mode: "monitor", reasons: [], wouldBlock: ["Action blocked by security gate: threat level high", "Production actions require explicit override"] },
    });
  });

  it("revoked or expired overrides no longer let a production canary through", async () => {
    const r = approvedRelease();
    enforce();
    const o = override("lead", "deploy.canary.start", "production", 30);
    revokeOverride(who("lead"), { overrideId: o.id }, undefined, NOW + MIN);
    const revoked = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW + 2 * MIN), { code: "BLOCKED", action: "gate.blocked" });
    expect(revoked.error.reasons).toEqual([BLOCK_MESSAGES.overrideRequired]);

    override("lead", "deploy.canary.start", "production", 30, NOW + 2 * MIN);
    const expired = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW + 32 * MIN), { code: "BLOCKED", action: "gate.blocked" });
    expect(expired.error.reasons).toEqual([BLOCK_MESSAGES.overrideRequired]);
    // One minute before expiry it still counts.
    expect(driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW + 31 * MIN).release.status).toBe("production_rollout");
  });
});

describe("createOverride (E3, E4)", () => {
  it("security creates an override: row with expiry, override.create audited", () => {
    const before = lastAuditId(sqlite);
    const o = createOverride(who("security"), { action: "load.shed", environment: "staging", reason: "Load test LT-77 tonight", ttlMinutes: "120" }, "req-ov", NOW);
    expect(findOverride(db, o.id)).toMatchObject({ action: "load.shed", environmentId: findEnvironmentByName(db, "staging")!.id, createdBy: who("security").id, ttlMinutes: 120, createdAt: NOW, expiresAt: NOW + 120 * MIN, revokedAt: null });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "override.create",
        subjectType: "override",
        subjectId: String(o.id),
        environment: "staging",
        requestId: "req-ov",
        details: { action: "load.shed", reason: "Load test LT-77 tonight", ttlMinutes: 120, expiresAt: new Date(NOW + 120 * MIN).toISOString() },
      }),
    ]);
  });

  it.each([
    ["lead", "deploy.canary.start", "production"],
    ["lead", "deploy.promote", "staging"],
    ["oncall", "deploy.rollback", "production"],
    ["security", "deploy.rollback", "staging"],
  ])("%s may override %s in %s", (name, action, environment) => {
    expect(override(name, action, environment)).toMatchObject({ action, createdBy: who(name).id });
  });

  it.each([
    ["oncall", "deploy.rollback", "staging", OVERRIDE_MESSAGES.oncallProductionRollbackOnly],
    ["oncall", "deploy.canary.start", "production", OVERRIDE_MESSAGES.oncallProductionRollbackOnly],
    ["lead", "load.shed", "production", OVERRIDE_MESSAGES.engLeadDeployOnly],
  ])("%s may not override %s in %s: FORBIDDEN, override.refused", async (name, action, environment, reason) => {
    const { event } = await expectAuditedRefusal(sqlite, () => override(name, action, environment), { code: "FORBIDDEN", action: "override.refused", message: reason });
    // Field names only: a refused input's values never enter the audit trail (issue 10).
    expect(event.details).toEqual({ reason, fields: ["action", "environment", "reason", "ttlMinutes"] });
  });

  it.each(["dev", "captain", "sentinel", "viewer", "admin"])("%s holds no override permission (nothing written)", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => override(name, "deploy.canary.start"), ForbiddenError);
    expect(err).toMatchObject({ permission: "override.create" });
  });

  it.each([
    [0, "The TTL must be at least 1 minute."],
    [1441, "The TTL may not exceed 1440 minutes (24 hours)."],
    [2.5, "The TTL is a whole number of minutes."],
  ])("TTL %s is refused with a field error and an override.refused event", async (ttl, message) => {
    const { error, event } = await expectAuditedRefusal(sqlite, () => override("security", "deploy.canary.start", "production", ttl), { code: "INVALID", action: "override.refused" });
    expect(error.fieldErrors).toEqual({ ttlMinutes: [message] });
    expect(event.details).toEqual({ fields: ["action", "environment", "reason", "ttlMinutes"], reason: message });
  });

  it("TTL 1 and 1440 are accepted; a short reason, an unknown action or environment are refused", async () => {
    expect(override("security", "deploy.canary.start", "production", 1)).toMatchObject({ expiresAt: NOW + MIN });
    expect(override("security", "deploy.canary.start", "production", 1440)).toMatchObject({ expiresAt: NOW + 1440 * MIN });
    const short = await expectAuditedRefusal(sqlite, () => createOverride(who("security"), { action: "deploy.rollback", environment: "production", reason: "because", ttlMinutes: 30 }), {
      code: "INVALID",
      action: "override.refused",
    });
    expect(Object.keys(short.error.fieldErrors!)).toEqual(["reason"]);
    const unknownAction = await expectAuditedRefusal(sqlite, () => override("security", "deploy.auto_rollback"), { code: "INVALID", action: "override.refused" });
    expect(Object.keys(unknownAction.error.fieldErrors!)).toEqual(["action"]);
    const unknownEnv = await expectAuditedRefusal(sqlite, () => override("security", "deploy.rollback", "mars"), { code: "INVALID", action: "override.refused" });
    expect(unknownEnv.error.fieldErrors).toEqual({ environment: ["Unknown environment."] });
  });
});

describe("revokeOverride (E3)", () => {
  it("security revokes anyone's; the creator revokes their own; others may not", async () => {
    const mine = override("lead", "deploy.canary.start");
    await expectRefusedWithoutWrites(sqlite, () => revokeOverride(who("oncall"), { overrideId: mine.id }, undefined, NOW), ForbiddenError, "Only the Security team may revoke someone else's override.");
    await expectRefusedWithoutWrites(sqlite, () => revokeOverride(who("viewer"), { overrideId: mine.id }, undefined, NOW), ForbiddenError, "(override.revoke)");
    const before = lastAuditId(sqlite);
    expect(revokeOverride(who("security"), { overrideId: mine.id }, "req-rv", NOW + 10 * MIN)).toEqual({ id: mine.id });
    expect(findOverride(db, mine.id)).toMatchObject({ revokedAt: NOW + 10 * MIN, revokedBy: who("security").id });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "override.revoke", subjectId: String(mine.id), environment: "production", requestId: "req-rv", details: { action: "deploy.canary.start", leftMs: 50 * MIN } }),
    ]);
    await expectRefusedWithoutWrites(sqlite, () => revokeOverride(who("security"), { overrideId: mine.id }, undefined, NOW + 11 * MIN), PreconditionError, "already revoked");

    const own = override("oncall", "deploy.rollback", "production", 30);
    await expectRefusedWithoutWrites(sqlite, () => revokeOverride(who("oncall"), { overrideId: own.id }, undefined, NOW + 30 * MIN), PreconditionError, "already expired");
    expect(revokeOverride(who("oncall"), { overrideId: own.id }, undefined, NOW + 29 * MIN)).toEqual({ id: own.id });
  });
});

describe("rollback and rollout controls ask the gate too (E2, E5)", () => {
  function productionRollout() {
    enforce();
    const o = override("security", "deploy.canary.start");
    const { rollout } = startRollout(
      who("captain"),
      startRolloutInput.parse({ serviceId: findServiceByName(db, "sample-api")!.id, environmentId: prodId(), version: "3.0.0", strategy: STRATEGY, idempotencyKey: "prod-rollout-1" }),
      undefined,
      NOW,
    );
    return { rollout, override: o };
  }

  it("a production abort needs a deploy.rollback override in enforce mode; on-call may create one", async () => {
    const { rollout } = productionRollout();
    const { error } = await expectAuditedRefusal(sqlite, () => controlRollout(who("oncall"), controlRolloutInput.parse({ rolloutId: rollout.id, command: "abort", reason: "errors" }), undefined, NOW), {
      code: "BLOCKED",
      action: "gate.blocked",
    });
    expect(error.reasons).toEqual([BLOCK_MESSAGES.overrideRequired]);
    override("oncall", "deploy.rollback", "production", 30);
    expect(controlRollout(who("oncall"), controlRolloutInput.parse({ rolloutId: rollout.id, command: "abort", reason: "errors" }), undefined, NOW + MIN)).toMatchObject({ status: "rolling_back" });
  });

  it("lockdown blocks promote and manual rollback; pause stays allowed", async () => {
    const { rollout } = productionRollout();
    override("security", "deploy.rollback");
    setSecurityGate(who("security"), { mode: "lockdown", reason: "INC-9 investigation" }, undefined, NOW);
    for (const cmd of ["promote", "abort"]) {
      const { error } = await expectAuditedRefusal(sqlite, () => controlRollout(who("captain"), controlRolloutInput.parse({ rolloutId: rollout.id, command: cmd }), undefined, NOW), {
        code: "BLOCKED",
        action: "gate.blocked",
      });
      expect(error.reasons![0]).toBe("Action blocked by security gate: lockdown (INC-9 investigation)");
    }
    expect(controlRollout(who("captain"), controlRolloutInput.parse({ rolloutId: rollout.id, command: "pause" }), undefined, NOW)).toMatchObject({ status: "paused" });
  });

  it("executeRollback (redeploy of the last good version) is gated as deploy.rollback", async () => {
    enforce();
    const service = findServiceByName(db, "sample-api")!;
    upsertServiceEnvState(db, { serviceId: service.id, environmentId: prodId(), currentVersion: "1.1.0", lastGoodVersion: "1.1.0", at: NOW - 30 * MIN });
    process.env.LAST_GOOD_COMMIT = "1.0.0";
    try {
      const input = { serviceId: service.id, environmentId: prodId(), expectedTo: "1.0.0", reason: "1.1.0 leaks memory", idempotencyKey: "rb-prod-1" };
      const { error } = await expectAuditedRefusal(sqlite, () => executeRollback(who("oncall"), input, undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
      expect(error.reasons).toEqual([BLOCK_MESSAGES.overrideRequired]);
      override("oncall", "deploy.rollback");
      expect(executeRollback(who("oncall"), input, undefined, NOW)).toMatchObject({ environmentId: prodId(), fromVersion: "1.1.0", toVersion: "1.0.0" });
    } finally {
      delete process.env.LAST_GOOD_COMMIT;
    }
  });
});

describe("the worker asks the gate again at each step (E3)", () => {
  function startUnderOverride() {
    enforce();
    const o = override("lead", "deploy.canary.start", "production", 30);
    const { rollout } = startRollout(
      who("captain"),
      startRolloutInput.parse({ serviceId: findServiceByName(db, "sample-api")!.id, environmentId: prodId(), version: "3.0.0", strategy: STRATEGY, idempotencyKey: "prod-under-override" }),
      undefined,
      NOW,
    );
    expect(rollout).toMatchObject({ status: "running", stepIndex: 0, phase: "start", weight: 0 });
    const [job] = jobsFor(db, ROLLOUT_JOB.step, rollout.id);
    expect(job).toBeDefined();
    return { rollout, override: o, job: job! };
  }

  async function runStep(job: ReturnType<typeof startUnderOverride>["job"], at: number) {
    await rolloutHandlers(db, () => at)[ROLLOUT_JOB.step]!(jobContext(db, job));
  }

  const driverLines = (rolloutId: number) =>
    (sqlite.prepare("SELECT message FROM rollout_log WHERE rollout_id = ? ORDER BY id").pluck().all(rolloutId) as string[]).filter((m) => m.includes("driver"));

  it("an override revoked after the start pauses the rollout with the gate's reason (issue 14: not failed); no driver call", async () => {
    const { rollout, override: o, job } = startUnderOverride();
    revokeOverride(who("security"), { overrideId: o.id }, undefined, NOW + MIN);
    const before = lastAuditId(sqlite);
    await runStep(job, NOW + 2 * MIN);
    const reason = BLOCK_MESSAGES.overrideRevoked("deploy.canary.start", "production");
    expect(findRollout(db, rollout.id)).toMatchObject({ status: "paused", reason, failedDuring: "step", stepIndex: 0, weight: 0 });
    const events = auditEvents(sqlite, before);
    expect(events.map((e) => e.action)).toEqual(["gate.blocked", "rollout.step_blocked"]);
    expect(events[0]).toMatchObject({ actorLabel: "worker", subjectType: "rollout", subjectId: String(rollout.id), details: { gatedAction: "deploy.step", reasons: [reason] } });
    expect(events[1]).toMatchObject({ actorLabel: "worker", environment: "production", details: { event: { type: "gate_blocked", reason }, from: "running", to: "paused", stepIndex: 0, weight: 0 } });
    expect(driverLines(rollout.id)).toEqual([]);
  });

  it("an override that expired meanwhile pauses the step as expired", async () => {
    const { rollout, job } = startUnderOverride();
    await runStep(job, NOW + 31 * MIN);
    const reason = BLOCK_MESSAGES.overrideExpired("deploy.canary.start", "production");
    expect(findRollout(db, rollout.id)).toMatchObject({ status: "paused", reason, stepIndex: 0, weight: 0 });
    expect(auditEvents(sqlite, lastAuditId(sqlite) - 2).map((e) => e.action)).toEqual(["gate.blocked", "rollout.step_blocked"]);
    expect(driverLines(rollout.id)).toEqual([]);
  });

  it("lockdown entered after the start stops the next step", async () => {
    const { rollout, job } = startUnderOverride();
    setSecurityGate(who("security"), { mode: "lockdown", reason: "INC-10" }, undefined, NOW + MIN);
    await runStep(job, NOW + 2 * MIN);
    expect(findRollout(db, rollout.id)).toMatchObject({ status: "paused", reason: "Action blocked by security gate: lockdown (INC-10)", weight: 0 });
    expect(driverLines(rollout.id)).toEqual([]);
    // The page says what would lift it, Resume is refused by the gate while it holds, Promote now is not offered.
    expect(loadRolloutView(db, rollout.id, 0, NOW + 2 * MIN)!.gate).toEqual({
      blocked: true,
      reasons: ["Action blocked by security gate: lockdown (INC-10)"],
      unblock: ["Security can lift the lockdown (Security page); rollbacks stay allowed meanwhile."],
    });
    await expectAuditedRefusal(sqlite, () => controlRollout(who("captain"), { rolloutId: rollout.id, command: "resume" }, undefined, NOW + 3 * MIN), { code: "BLOCKED", action: "gate.blocked" });
    // Lockdown lifted (back to enforce, the override still valid): Resume re-runs the step from where it stood.
    setSecurityGate(who("security"), { mode: "enforce", reason: "INC-10 closed" }, undefined, NOW + 4 * MIN);
    expect(loadRolloutView(db, rollout.id, 0, NOW + 4 * MIN)!.gate).toEqual({ blocked: false, reasons: [], unblock: [] });
    const resumed = controlRollout(who("captain"), { rolloutId: rollout.id, command: "resume" }, undefined, NOW + 5 * MIN);
    expect(resumed).toMatchObject({ status: "running", stepIndex: 0, phase: "start", reason: null, failedDuring: null });
    const [again] = jobsFor(db, ROLLOUT_JOB.step, rollout.id).filter((j) => j.id !== job.id);
    expect(again).toBeDefined();
    // The release this rollout might belong to is untouched: it had none.
    expect(findRollout(db, rollout.id)!.releaseId).toBeNull();
    expect(findRelease(db, 1)).toBeUndefined();
  });
});
