import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findEnvironmentByName } from "@/db/queries/catalog";
import { preflightOf, setPreflightResult } from "@/db/queries/governance";
import { approvalsOf, findRelease, rolloutsOfRelease, updateRelease as updateReleaseRow } from "@/db/queries/releases";
import { verifyAuditChain } from "@/lib/audit/verify";
import { preflightHandlers } from "@/lib/jobs/handlers/preflight";
import { attestInput, createReleaseInput, decideApprovalInput, releaseCommandInput, updateReleaseInput } from "@/lib/domain/release/inputs";
import { PREFLIGHT_CHECKLIST } from "@/lib/domain/release/preflight";
import { ConflictError, ForbiddenError, InvalidError, PreconditionError } from "@/lib/errors";
import { decideApproval } from "@/lib/services/approvals/decide-approval";
import { attestPreflight } from "@/lib/services/releases/attest-preflight";
import { createRelease } from "@/lib/services/releases/create-release";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { PREFLIGHT_JOB, runPreflight } from "@/lib/services/releases/run-preflight";
import { updateRelease } from "@/lib/services/releases/update-release";
import { createOverride } from "@/lib/services/security/create-override";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { actorFor, auditEvents, buildSeededTemplate, closeCurrentDb, expectRefusedWithoutWrites, lastAuditId, makeTempDir, useFreshDb } from "../support/db";
import {
  DEMO,
  HOUR,
  MIN,
  NOW,
  STRATEGY,
  addApproval,
  expectAuditedRefusal,
  jobContext,
  newRelease,
  passPreflight,
  passValidation,
  putInPhase,
  releaseForm,
  signedIn,
  walkRolloutToSuccess,
} from "../support/governance";

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let file = "";

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite, file } = useFreshDb(tmp.dir, template));
});
afterEach(() => {
  // Every test leaves an intact hash chain behind, refusals included.
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
});

const who = (name: string) => actorFor(db, DEMO(name));
const command = (releaseId: number, cmd: string, extra: Record<string, unknown> = {}) => releaseCommandInput.parse({ releaseId, command: cmd, ...extra });
const item = (releaseId: number, key: string) => preflightOf(db, releaseId).find((i) => i.key === key)!;
const attest = (itemId: number, evidence: string, backupAt?: string) => attestInput.parse({ itemId, evidence, ...(backupAt ? { backupAt } : {}) });
const editForm = (releaseId: number, over: Record<string, unknown> = {}) =>
  updateReleaseInput.parse({ ...releaseForm(db), releaseId, rowVersion: findRelease(db, releaseId)!.rowVersion, ...over });

describe("createRelease (B2, C1)", () => {
  it("creates a release in pre-flight with the 10-item checklist, audited", () => {
    const before = lastAuditId(sqlite);
    const r = createRelease(who("captain"), createReleaseInput.parse(releaseForm(db)), "req-create", NOW);
    expect(findRelease(db, r.id)).toMatchObject({
      version: "2.0.0",
      commitSha: "abcdef1234", // stored lower-case
      status: "preflight",
      hotfix: false,
      sev1: false,
      soakMinutes: 1440,
      monitoringMinutes: 15,
      phaseEnteredAt: NOW,
      createdBy: who("captain").id,
      rowVersion: 1,
    });
    const items = preflightOf(db, r.id);
    expect(items).toHaveLength(10);
    expect(items.map((i) => [i.key, i.check, i.role, i.status])).toEqual(PREFLIGHT_CHECKLIST.map((c) => [c.key, c.check, c.role ?? null, "pending"]));
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "release.create",
        actorLabel: DEMO("captain"),
        subjectType: "release",
        subjectId: String(r.id),
        requestId: "req-create",
        details: expect.objectContaining({ service: "sample-api", version: "2.0.0", commit: "abcdef1234", hotfix: false, sev1: false, strategy: STRATEGY, migrations: [] }) as unknown,
      }),
    ]);
  });

  it("a hotfix gets the 15-minute soak; a developer may create releases", () => {
    const r = newRelease(db, { hotfix: "on", sev1: "on" }, who("dev"));
    expect(r).toMatchObject({ hotfix: true, sev1: true, soakMinutes: 15, createdBy: who("dev").id });
  });

  it.each(["viewer", "sentinel", "owner", "security", "oncall"])("%s may not create releases (nothing written)", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createRelease(who(name), createReleaseInput.parse(releaseForm(db))), ForbiddenError);
    expect(err).toMatchObject({ code: "FORBIDDEN", permission: "release.create" });
  });

  it("bad input is rejected with field errors", () => {
    const parsed = createReleaseInput.safeParse(
      releaseForm(db, {
        version: "-bad version",
        commitSha: "xyz",
        changeLog: "short",
        rollbackPlan: "",
        migrations: [{ id: "m1", kind: "drop" }],
        strategy: { kind: "teleport" },
        monitoringMinutes: 30,
        sev1: "on",
      }),
    );
    expect(parsed.success).toBe(false);
    const { fieldErrors } = InvalidError.fromIssues(parsed.error!.issues);
    expect(fieldErrors).toMatchObject({
      version: ["Use letters, digits, dots, dashes, plus and underscores."],
      commitSha: ["A commit is 7 to 40 hexadecimal characters."],
      changeLog: ["Describe the change (at least 10 characters)."],
      rollbackPlan: ["Document the rollback plan (at least 10 characters)."],
      migrations: ['Migration 1, kind: Migration kind is "expand" or "contract".'],
      monitoringMinutes: ["Choose 15 min, 1 h or 24 h."],
    });
    expect(fieldErrors!.strategy?.[0]).toMatch(/^Kind: Choose a strategy/);
    // SEV-1 is a refinement over the whole form: checked once the fields themselves are valid.
    const sev1 = createReleaseInput.safeParse(releaseForm(db, { sev1: "on" }));
    expect(InvalidError.fromIssues(sev1.error!.issues).fieldErrors).toEqual({ sev1: ["Only a hotfix can be marked SEV-1."] });
    expect(createReleaseInput.safeParse(releaseForm(db, { migrations: "[not json" })).error!.issues[0]).toMatchObject({ path: ["migrations"], message: "Must be valid JSON." });
  });
});

describe("pre-flight: attestations and automated checks (C1)", () => {
  it("the named role signs an item with its evidence, audited", () => {
    const r = newRelease(db);
    const before = lastAuditId(sqlite);
    const oncall = who("oncall");
    expect(attestPreflight(oncall, attest(item(r.id, "oncall_notified").id, "Paged #oncall, ticket OPS-12"), "req-att", NOW)).toEqual({ id: item(r.id, "oncall_notified").id, passed: true });
    expect(item(r.id, "oncall_notified")).toMatchObject({ status: "passed", evidence: "Paged #oncall, ticket OPS-12", decidedBy: oncall.id, decidedAt: NOW });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "preflight.attest",
        actorId: oncall.id,
        roles: ["oncall"],
        subjectType: "release",
        subjectId: String(r.id),
        requestId: "req-att",
        details: { item: "oncall_notified", status: "passed", evidence: "Paged #oncall, ticket OPS-12" },
      }),
    ]);
  });

  it.each([
    ["oncall", "quality_gates", "This item must be signed by a Release captain."],
    ["captain", "backup_verified", "This item must be signed by an On-call SRE."],
    ["sentinel", "migrations_confirmed", "This item must be signed by a Feature owner."],
  ])("%s may not sign %s (nothing written)", async (name, key, message) => {
    const r = newRelease(db);
    const err = await expectRefusedWithoutWrites(sqlite, () => attestPreflight(who(name), attest(item(r.id, key).id, "looks fine to me"), undefined, NOW), ForbiddenError, message);
    expect(err).toMatchObject({ code: "FORBIDDEN" });
  });

  it.each(["viewer", "dev", "security"])("%s holds no attest permission", async (name) => {
    const r = newRelease(db);
    const err = await expectRefusedWithoutWrites(sqlite, () => attestPreflight(who(name), attest(item(r.id, "quality_gates").id, "CI green")), ForbiddenError);
    expect(err).toMatchObject({ permission: "preflight.attest" });
  });

  it("a backup older than 24 h fails the item (audited); a fresh one passes", () => {
    const r = newRelease(db);
    const id = item(r.id, "backup_verified").id;
    const before = lastAuditId(sqlite);
    const stale = new Date(NOW - 30 * HOUR).toISOString().slice(0, 16); // datetime-local form value, UTC
    expect(attestPreflight(who("oncall"), attest(id, "pg_dump verified", stale), undefined, NOW)).toMatchObject({ passed: false });
    expect(item(r.id, "backup_verified")).toMatchObject({ status: "failed", evidence: `backup 30 h ago is older than 24 h (${new Date(NOW - 30 * HOUR).toISOString()}): pg_dump verified` });
    expect(auditEvents(sqlite, before)[0]).toMatchObject({ action: "preflight.attest", details: { item: "backup_verified", status: "failed" } });

    attestPreflight(who("oncall"), attest(id, "new dump verified", new Date(NOW - 2 * HOUR).toISOString()), undefined, NOW);
    expect(item(r.id, "backup_verified")).toMatchObject({ status: "passed", evidence: `backup 2 h ago (${new Date(NOW - 2 * HOUR).toISOString()}): new dump verified` });
  });

  it("the backup item needs the backup time; automated items cannot be attested; after pre-flight nothing can", async () => {
    const r = newRelease(db);
    const err = await expectRefusedWithoutWrites(sqlite, () => attestPreflight(who("oncall"), attest(item(r.id, "backup_verified").id, "trust me"), undefined, NOW), InvalidError);
    expect(err).toMatchObject({ fieldErrors: { backupAt: ["Enter when the backup was taken (UTC)."] } });
    await expectRefusedWithoutWrites(sqlite, () => attestPreflight(who("captain"), attest(item(r.id, "change_log").id, "I wrote it")), PreconditionError, "checked automatically");
    putInPhase(db, r.id, "staging_soak");
    await expectRefusedWithoutWrites(sqlite, () => attestPreflight(who("captain"), attest(item(r.id, "quality_gates").id, "CI green")), PreconditionError, "Pre-flight is over");
  });

  it("runPreflight queues the worker job; the real handler checks the facts and probes health", async () => {
    const r = newRelease(db);
    const before = lastAuditId(sqlite);
    runPreflight(who("captain"), { releaseId: r.id }, "req-run", NOW);
    expect(preflightOf(db, r.id).filter((i) => i.check !== "attestation").map((i) => [i.key, i.status])).toEqual([
      ["change_log", "running"],
      ["rollback_plan", "running"],
      ["environment_health", "running"],
    ]);
    const job = sqlite.prepare("SELECT * FROM jobs WHERE kind = ?").get(PREFLIGHT_JOB) as { id: number; payload: string };
    expect(JSON.parse(job.payload)).toEqual({ releaseId: r.id });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "preflight.check", requestId: "req-run", details: { requested: ["change_log", "rollback_plan", "environment_health"] } }),
    ]);

    const { findJob } = await import("@/db/queries/jobs");
    await preflightHandlers(db, () => NOW)[PREFLIGHT_JOB]!(jobContext(db, findJob(db, job.id)!));
    expect(item(r.id, "change_log")).toMatchObject({ status: "passed", evidence: "39 characters" });
    expect(item(r.id, "rollback_plan")).toMatchObject({ status: "passed" });
    // Nothing runs yet (no process started by this test), so the health probe cannot pass.
    expect(item(r.id, "environment_health")).toMatchObject({ status: "failed", evidence: "No environment of sample-api has a reachable version to probe." });
    expect(auditEvents(sqlite, before).at(-1)).toMatchObject({ action: "preflight.check", actorLabel: "worker", actorId: null });
    await expectRefusedWithoutWrites(sqlite, () => runPreflight(who("viewer"), { releaseId: r.id }), ForbiddenError);
  });
});

describe("driveRelease: phase rules and who drives (B3)", () => {
  it("deploy_staging before pre-flight is complete -> PRECONDITION_FAILED, only release.refused written", async () => {
    const r = newRelease(db);
    attestPreflight(who("captain"), attest(item(r.id, "quality_gates").id, "CI green on abcdef1"), undefined, NOW);
    const { error, event } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "deploy_staging"), "req-ds", NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "Pre-flight is not complete: Change-log entry prepared with the deployment plan, Rollback plan documented,",
    });
    expect(error.message).not.toContain("All quality gates passed");
    expect(event).toMatchObject({ actorLabel: DEMO("captain"), subjectType: "release", subjectId: String(r.id), requestId: "req-ds", details: { command: "deploy_staging", phase: "preflight", reason: error.message } });
  });

  it("with every item passed, deploy_staging starts a staging rollout of the release (a developer may)", () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    const before = lastAuditId(sqlite);
    const out = driveRelease(who("dev"), command(r.id, "deploy_staging"), "req-dev", NOW);
    expect(out.release).toMatchObject({ status: "staging_deploy", phaseEnteredAt: NOW, rowVersion: 2 });
    const [rollout, ...others] = rolloutsOfRelease(db, r.id);
    expect(others).toEqual([]);
    expect(rollout).toMatchObject({ id: out.rolloutIds[0], releaseId: r.id, environmentId: findEnvironmentByName(db, "staging")!.id, toVersion: "2.0.0", status: "running", createdBy: who("dev").id });
    const actions = auditEvents(sqlite, before).map((e) => e.action);
    expect(actions).toEqual(["rollout.start", "release.advance"]);
    expect(auditEvents(sqlite, before).at(-1)).toMatchObject({ details: { command: "deploy_staging", from: "preflight", to: "staging_deploy", rolloutIds: out.rolloutIds, migrating: false } });
  });

  it("a second deploy_staging (double click, same idempotency key) starts no second rollout", async () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    const key = `release:${r.id}:deploy_staging:double-click`;
    driveRelease(who("dev"), command(r.id, "deploy_staging", { idempotencyKey: key }), undefined, NOW);
    await expectAuditedRefusal(sqlite, () => driveRelease(who("dev"), command(r.id, "deploy_staging", { idempotencyKey: key }), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "A rollout of this release is still running.",
    });
    expect(rolloutsOfRelease(db, r.id)).toHaveLength(1);
  });

  it("a developer may not start production nor abort a release past staging (FORBIDDEN, nothing written)", async () => {
    const r = newRelease(db);
    putInPhase(db, r.id, "production_approval");
    for (const cmd of ["start_production", "request_approval", "complete", "abort"]) {
      const err = await expectRefusedWithoutWrites(sqlite, () => driveRelease(who("dev"), command(r.id, cmd), undefined, NOW), ForbiddenError, "production steps need a release captain");
      expect(err).toMatchObject({ code: "FORBIDDEN", permission: "release.advance" });
    }
  });

  it("a command for a version the caller no longer sees (the REST API's If-Match) is CONFLICT, nothing written", async () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    const seen = findRelease(db, r.id)!.rowVersion;
    updateReleaseRow(db, r.id, seen, { updatedAt: NOW });
    await expectRefusedWithoutWrites(sqlite, () => driveRelease(who("captain"), command(r.id, "deploy_staging", { expectedVersion: seen }), undefined, NOW), ConflictError, "changed meanwhile");
    expect(rolloutsOfRelease(db, r.id)).toHaveLength(0);
    driveRelease(who("captain"), command(r.id, "deploy_staging", { expectedVersion: seen + 1 }), undefined, NOW);
    expect(rolloutsOfRelease(db, r.id)).toHaveLength(1);
  });

  it.each(["viewer", "sentinel", "owner", "security"])("%s may not drive releases", async (name) => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    await expectRefusedWithoutWrites(sqlite, () => driveRelease(who(name), command(r.id, "deploy_staging"), undefined, NOW), ForbiddenError, "(release.advance)");
  });

  it("commands out of phase are refused with the phase named, audited", async () => {
    const r = newRelease(db);
    const { event } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "This release is in Pre-flight; that needs Production approval.",
    });
    expect(event.details).toMatchObject({ command: "start_production", phase: "preflight" });
    putInPhase(db, r.id, "monitoring", NOW - 5 * 60_000);
    await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "complete"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "The monitoring window has 10 min left.",
    });
    expect(driveRelease(who("captain"), command(r.id, "complete"), undefined, NOW + 10 * 60_000).release.status).toBe("completed");
    await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "abort"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "A release that is completed cannot be aborted.",
    });
  });

  it("abort ends a live release and its staging rollout, audited", () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    const {
    rolloutIds: [rolloutId],
  } = driveRelease(who("captain"), command(r.id, "deploy_staging"), undefined, NOW);
    const before = lastAuditId(sqlite);
    const out = driveRelease(who("captain"), command(r.id, "abort", { reason: "wrong build" }), "req-abort", NOW + 60_000);
    expect(out.release.status).toBe("aborted");
    const rollout = rolloutsOfRelease(db, r.id)[0]!;
    expect(rollout).toMatchObject({ id: rolloutId, status: "rolling_back" });
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["rollout.abort", "release.abort"]);
    expect(auditEvents(sqlite, before).at(-1)).toMatchObject({ requestId: "req-abort", details: { command: "abort", from: "staging_deploy", to: "aborted", reason: "wrong build" } });
  });
});

describe("updateRelease (D4: a change voids approvals)", () => {
  it("an edit of what approvers approved voids every open or granted approval and sign-off and requests each again; the phase stays", () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    putInPhase(db, r.id, "production_approval");
    addApproval(db, r.id, "feature_owner", "smoke", { approver: who("feature") });
    addApproval(db, r.id, "sentinel", "production", { approver: who("sentinel") });
    addApproval(db, r.id, "service_owner", "production");
    const rejected = addApproval(db, r.id, "sentinel", "production");
    sqlite.prepare("UPDATE approvals SET status = 'rejected' WHERE id = ?").run(rejected.id);
    const before = lastAuditId(sqlite);

    const after = updateRelease(who("captain"), editForm(r.id, { rollbackPlan: "kubectl rollout undo deployment/sample-api" }), "req-edit", NOW);
    expect(after).toMatchObject({ status: "production_approval", rollbackPlan: "kubectl rollout undo deployment/sample-api", rowVersion: 3 });
    expect(after.changes.map((c) => c.field)).toEqual(["rollbackPlan"]);
    expect(after.reRequested).toEqual(["feature_owner/smoke", "sentinel/production", "service_owner/production"]);
    expect(approvalsOf(db, r.id).map((a) => `${a.role}/${a.kind}:${a.status}`)).toEqual([
      "feature_owner/smoke:void",
      "sentinel/production:void",
      "service_owner/production:void",
      "sentinel/production:rejected",
      "feature_owner/smoke:pending",
      "sentinel/production:pending",
      "service_owner/production:pending",
    ]);
    expect(preflightOf(db, r.id).every((i) => i.status === "passed")).toBe(true);
    const events = auditEvents(sqlite, before);
    expect(events.map((e) => e.action)).toEqual(["release.update", "approval.void", "approval.request"]);
    expect(events[0]).toMatchObject({
      requestId: "req-edit",
      details: { phase: "production_approval", changed: ["rollbackPlan"], before: { rollbackPlan: releaseForm(db).rollbackPlan }, after: { rollbackPlan: "kubectl rollout undo deployment/sample-api" }, checklistReset: false },
    });
    expect(events[1]!.details).toEqual({ voided: 3, reason: "The release changed (rollback plan) after approval was requested." });
    expect(events[2]!.details).toEqual({ requested: ["feature_owner/smoke", "sentinel/production", "service_owner/production"], reason: "Requested again: the release changed (rollback plan)." });
  });

  it("the build is frozen once it went to staging: a new version is refused with the phase named; in pre-flight it resets the checklist", async () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    putInPhase(db, r.id, "staging_soak");
    addApproval(db, r.id, "feature_owner", "smoke", { approver: who("feature") });
    const err = await expectRefusedWithoutWrites(sqlite, () => updateRelease(who("dev"), editForm(r.id, { version: "2.0.1" }), undefined, NOW), InvalidError);
    expect(err.message).toBe("Version cannot change in Staging soak: staging tested this build. Create a new release for another one.");

    const fresh = newRelease(db);
    passPreflight(db, fresh.id);
    const before = lastAuditId(sqlite);
    const after = updateRelease(who("dev"), editForm(fresh.id, { version: "2.0.1" }), undefined, NOW);
    expect(after).toMatchObject({ version: "2.0.1", status: "preflight", phaseEnteredAt: NOW });
    expect(preflightOf(db, fresh.id).map((i) => [i.status, i.evidence, i.decidedBy])).toEqual(Array.from({ length: 10 }, () => ["pending", null, null]));
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["release.update"]);
    expect(auditEvents(sqlite, before)[0]!.details).toEqual({ phase: "preflight", changed: ["version"], before: { version: "2.0.0" }, after: { version: "2.0.1" }, checklistReset: true });
  });

  it("timings are not what approvers approved: a longer monitoring window voids nothing; an edit that changes nothing is refused", async () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    putInPhase(db, r.id, "production_approval");
    addApproval(db, r.id, "sentinel", "production", { approver: who("sentinel") });
    const before = lastAuditId(sqlite);
    updateRelease(who("captain"), editForm(r.id, { monitoringMinutes: "1440" }), undefined, NOW);
    expect(approvalsOf(db, r.id).map((a) => a.status)).toEqual(["approved"]);
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["release.update"]);
    await expectRefusedWithoutWrites(sqlite, () => updateRelease(who("captain"), editForm(r.id, { monitoringMinutes: "1440" }), undefined, NOW), InvalidError, "Nothing to save");
  });

  it("an edit racing another edit is a conflict that shows both versions", async () => {
    const r = newRelease(db);
    const stale = editForm(r.id, { changeLog: "Mine: adds the payments endpoint." });
    updateRelease(who("captain"), editForm(r.id, { changeLog: "Theirs: adds retries to payments." }), undefined, NOW);
    const err = await expectRefusedWithoutWrites(sqlite, () => updateRelease(who("captain"), stale, undefined, NOW), ConflictError);
    expect(err.message).toBe('Someone changed this release since you opened it. Change-log entry: saved "Theirs: adds retries to payments.", yours "Mine: adds the payments endpoint.". Reload, then make your change again.');
  });

  it("no approvals to void -> no approval.void event", () => {
    const r = newRelease(db);
    const before = lastAuditId(sqlite);
    updateRelease(who("captain"), editForm(r.id, { rollbackPlan: "Redeploy 1.9.0 and flush the cache." }), undefined, NOW);
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["release.update"]);
  });

  it("refusals: stale rowVersion (CONFLICT), past production (PRECONDITION), viewer (FORBIDDEN); nothing written", async () => {
    const r = newRelease(db);
    const stale = editForm(r.id);
    updateRelease(who("captain"), editForm(r.id, { changeLog: "First editor's change log." }), undefined, NOW);
    await expectRefusedWithoutWrites(sqlite, () => updateRelease(who("captain"), stale, undefined, NOW), ConflictError, "Someone changed this release");
    await expectRefusedWithoutWrites(sqlite, () => updateRelease(who("viewer"), editForm(r.id)), ForbiddenError);
    const row = findRelease(db, r.id)!;
    updateReleaseRow(db, r.id, row.rowVersion, { status: "production_rollout" });
    await expectRefusedWithoutWrites(sqlite, () => updateRelease(who("captain"), editForm(r.id, { changeLog: "Too late for this change." })), PreconditionError, "A release in production rollout can no longer be edited.");
  });

  it("an item reset after the edit is really pending: deploy_staging is refused again", async () => {
    const r = newRelease(db);
    passPreflight(db, r.id);
    updateRelease(who("captain"), editForm(r.id, { commitSha: "1234567abc" }), undefined, NOW);
    await expectAuditedRefusal(sqlite, () => driveRelease(signedIn(db, "captain"), command(r.id, "deploy_staging"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "Pre-flight is not complete",
    });
    // Set up directly, as the worker would after probing: the item state alone decides.
    for (const i of preflightOf(db, r.id)) setPreflightResult(db, i.id, { status: "passed", evidence: "ok", decidedBy: null, decidedAt: NOW });
    passValidation(db, r.id, "staging"); // the old validation was for the old commit
    expect(driveRelease(who("captain"), command(r.id, "deploy_staging"), undefined, NOW).release.status).toBe("staging_deploy");
  });
});

describe("one release from pre-flight to completed, every step through the services", () => {
  it("ends completed with an audit chain that the audit:verify CLI accepts", async () => {
    const captain = signedIn(db, "captain");
    const oncall = signedIn(db, "oncall");
    const t0 = NOW - 72 * HOUR;
    const r = newRelease(db, {}, captain, t0);

    // Pre-flight: each attestation by its role, the automated checks by the real worker job.
    for (const [key, by] of [
      ["quality_gates", captain],
      ["runbooks_updated", captain],
      ["feature_freeze", captain],
      ["rollback_rehearsed", oncall],
      ["oncall_notified", oncall],
      ["migrations_confirmed", signedIn(db, "feature")],
    ] as const) {
      attestPreflight(by, attest(item(r.id, key).id, `checked ${key}`), undefined, t0);
    }
    attestPreflight(oncall, attest(item(r.id, "backup_verified").id, "restore tested", new Date(t0 - 3 * HOUR).toISOString()), undefined, t0);
    runPreflight(captain, { releaseId: r.id }, undefined, t0);
    const { findJob } = await import("@/db/queries/jobs");
    const job = sqlite.prepare("SELECT id FROM jobs WHERE kind = ?").pluck().get(PREFLIGHT_JOB) as number;
    await preflightHandlers(db, () => t0)[PREFLIGHT_JOB]!(jobContext(db, findJob(db, job)!));
    // The HTTP probe needs a running service (not started here): recorded as the worker would.
    setPreflightResult(db, item(r.id, "environment_health").id, { status: "passed", evidence: "200 OK from staging and production", decidedBy: null, decidedAt: t0 });
    expect(preflightOf(db, r.id).filter((i) => i.status !== "passed")).toEqual([]);

    // Staging: deploy, the rollout succeeds, the feature owner signs the smoke tests off.
    passValidation(db, r.id, "staging", t0 + HOUR - MIN); // C2, set up: its gates are tested elsewhere
    const staging = driveRelease(signedIn(db, "dev"), command(r.id, "deploy_staging"), undefined, t0 + HOUR);
    walkRolloutToSuccess(db, staging.rolloutIds[0]!, "staging");
    expect(findRelease(db, r.id)!.status).toBe("staging_soak");
    const smoke = approvalsOf(db, r.id).find((a) => a.kind === "smoke")!;
    await decideApproval(signedIn(db, "feature", t0 + 2 * HOUR), decideApprovalInput.parse({ approvalId: smoke.id, decision: "approve" }), undefined, t0 + 2 * HOUR);

    // After the 24 h soak: production approvals, each by a distinct person.
    const askAt = t0 + 26 * HOUR;
    driveRelease(captain, command(r.id, "request_approval"), undefined, askAt);
    for (const [role, name] of [
      ["sentinel", "sentinel"],
      ["service_owner", "owner"],
    ] as const) {
      const a = approvalsOf(db, r.id).find((x) => x.role === role && x.status === "pending")!;
      await decideApproval(signedIn(db, name, askAt), decideApprovalInput.parse({ approvalId: a.id, decision: "approve", comment: "ok" }), undefined, askAt);
    }

    // Enforce mode: blocked until an engineering lead's override, then the production rollout.
    const prodAt = askAt + HOUR;
    passValidation(db, r.id, "production", prodAt);
    setSecurityGate(signedIn(db, "security"), { mode: "enforce" }, undefined, prodAt);
    await expectAuditedRefusal(sqlite, () => driveRelease(captain, command(r.id, "start_production"), undefined, prodAt), { code: "BLOCKED", action: "gate.blocked", message: "Production actions require explicit override" });
    createOverride(who("lead"), { action: "deploy.canary.start", environment: "production", reason: "Release window CHG-42", ttlMinutes: 60 }, undefined, prodAt);
    const production = driveRelease(captain, command(r.id, "start_production"), undefined, prodAt + MIN);
    expect(production.release.status).toBe("production_rollout");
    const done = walkRolloutToSuccess(db, production.rolloutIds[0]!, "production");
    expect(findRelease(db, r.id)).toMatchObject({ status: "monitoring", phaseEnteredAt: done });
    expect(driveRelease(captain, command(r.id, "complete"), undefined, done + 15 * MIN).release.status).toBe("completed");

    const actions = new Set(auditEvents(sqlite).map((e) => e.action));
    for (const a of ["release.create", "preflight.attest", "preflight.check", "rollout.start", "rollout.succeeded", "approval.request", "approval.grant", "gate.mode_set", "gate.blocked", "override.create", "gate.override_used", "release.advance"]) {
      expect(actions, a).toContain(a);
    }

    // The CLI behind `npm run audit:verify`, on this very database file.
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync(path.resolve("node_modules/.bin/tsx"), ["scripts/verify-audit.ts"], { env: { ...process.env, FLIGHTDECK_DB: file }, encoding: "utf8" });
    expect(out).toMatch(/^audit trail: INTACT — \d+ events verified/);
  }, 30_000);
});
