import { describe, expect, it } from "vitest";
import { freshSeededDbPerTest } from "../support/governance";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findEnvironmentByName } from "@/db/queries/catalog";
import { approvalsOf, findApproval, findRelease, pendingApprovalsForRoles, rolloutsOfRelease, updateRelease as updateReleaseRow } from "@/db/queries/releases";
import { findRollout } from "@/db/queries/rollouts";
import type { Actor } from "@/lib/domain/actor";
import { APPROVAL_MESSAGES } from "@/lib/domain/approvals/rules";
import { decideApprovalInput, releaseCommandInput, updateReleaseInput } from "@/lib/domain/release/inputs";
import { ForbiddenError, InvalidError } from "@/lib/errors";
import { decideApproval } from "@/lib/services/approvals/decide-approval";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { updateRelease } from "@/lib/services/releases/update-release";
import { approvalInbox } from "@/lib/views/approvals-inbox";
import { DEMO_PASSWORD } from "@/db/seed";
import { actorFor, auditEvents, expectRefusedWithoutWrites, insertUserWithRoles, lastAuditId, } from "../support/db";
import {
  DEMO,
  HOUR,
  MIN,
  NOW,
  addApproval,
  approvalsByStatus,
  approveForProduction,
  expectAuditedRefusal,
  newRelease,
  passPreflight,
  putInPhase,
  releaseAwaitingProduction,
  releaseForm,
  signedIn,
  walkRolloutToSuccess,
} from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const who = (name: string) => signedIn(db, name);
const command = (releaseId: number, cmd: string, extra: Record<string, unknown> = {}) => releaseCommandInput.parse({ releaseId, command: cmd, ...extra });
const decision = (approvalId: number, d: "approve" | "reject", extra: Record<string, unknown> = {}) => decideApprovalInput.parse({ approvalId, decision: d, ...extra });
const pendingOf = (releaseId: number, role: string) => approvalsOf(db, releaseId).find((a) => a.role === role && a.status === "pending")!;

const SOAK_FROM = NOW - 2 * HOUR;
const STAGING_AT = SOAK_FROM - MIN;

/** A release in staging soak whose staging rollout succeeded, walked through the real rollout machine. */
function releaseInSoak(over: Record<string, unknown> = {}, driver: Actor = who("captain")) {
  const r = newRelease(db, over, who("captain"), NOW - 72 * HOUR);
  passPreflight(db, r.id, STAGING_AT);
  const {
    rolloutIds: [rolloutId],
  } = driveRelease(driver, command(r.id, "deploy_staging"), undefined, STAGING_AT);
  walkRolloutToSuccess(db, rolloutId!, "staging");
  expect(findRollout(db, rolloutId!)!.status).toBe("succeeded");
  return findRelease(db, r.id)!;
}

describe("staging success -> soak and a smoke sign-off request (D3)", () => {
  it("the staging rollout's success moves the release to staging_soak and asks a feature owner", () => {
    const before = lastAuditId(sqlite);
    const r = releaseInSoak();
    expect(r).toMatchObject({ status: "staging_soak", phaseEnteredAt: SOAK_FROM });
    expect(approvalsByStatus(db, r.id)).toEqual(["feature_owner/smoke:pending"]);
    const events = auditEvents(sqlite, before);
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({ action: "release.advance", actorLabel: "worker", environment: "staging", details: expect.objectContaining({ from: "staging_deploy", to: "staging_soak", outcome: "succeeded" }) as unknown }),
      expect.objectContaining({ action: "approval.request", details: { requested: ["feature_owner/smoke"] } }),
    ]);
    // The feature owner finds it in the inbox (D5).
    expect(pendingApprovalsForRoles(db, ["feature_owner"], NOW).map((p) => [p.releaseId, p.kind])).toEqual([[r.id, "smoke"]]);
  });
});

describe("request_approval (D1-D3)", () => {
  it("needs the smoke sign-off first", async () => {
    const r = releaseInSoak();
    await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "request_approval"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "A feature owner has not signed off the staging smoke tests yet.",
    });
  });

  it("before the soak has elapsed it needs a reason (audited as a note); then opens sentinel + owner requests", async () => {
    const r = releaseInSoak();
    await decideApproval(who("feature"), decision(pendingOf(r.id, "feature_owner").id, "approve", { comment: "smoke ok" }), undefined, NOW);
    await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "request_approval"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "release.refused",
      message: "The staging soak has 1320 min left; give a reason to end it early.",
    });
    const before = lastAuditId(sqlite);
    const out = driveRelease(who("captain"), command(r.id, "request_approval", { reason: "Customer-facing fix, CAB agreed" }), "req-ra", NOW);
    expect(out.release.status).toBe("production_approval");
    expect(approvalsByStatus(db, r.id)).toEqual(["feature_owner/smoke:approved", "sentinel/production:pending", "service_owner/production:pending"]);
    const opened = approvalsOf(db, r.id).slice(1);
    expect(opened.every((a) => a.requestedAt === NOW && a.expiresAt === NOW + 24 * HOUR && a.approverId === null)).toBe(true);
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "approval.request", requestId: "req-ra", details: { requested: ["sentinel/production", "service_owner/production"] } }),
      expect.objectContaining({
        action: "release.advance",
        details: expect.objectContaining({ command: "request_approval", from: "staging_soak", to: "production_approval", note: "Soak ended 1320 min early: Customer-facing fix, CAB agreed" }) as unknown,
      }),
    ]);
    // Asked again (e.g. after a rejection round): requests still open are kept, not duplicated.
    driveRelease(who("captain"), command(r.id, "request_approval"), undefined, NOW + MIN);
    expect(approvalsOf(db, r.id)).toHaveLength(3);
  });

  it("after the soak no reason is needed; a hotfix asks two sentinels, contract migrations a feature owner", () => {
    const r = newRelease(db, { hotfix: true, migrations: [{ id: "2026-06-drop-legacy-status", kind: "contract" }, "2026-06-add-orders-index"] }, who("captain"), NOW - 48 * HOUR);
    putInPhase(db, r.id, "staging_soak", NOW - 16 * MIN); // hotfix soak is 15 min
    addApproval(db, r.id, "feature_owner", "smoke", { approver: who("feature") });
    const out = driveRelease(who("captain"), command(r.id, "request_approval"), undefined, NOW);
    expect(out.release.status).toBe("production_approval");
    expect(approvalsByStatus(db, r.id)).toEqual(["feature_owner/smoke:approved", "sentinel/hotfix:pending", "sentinel/hotfix:pending", "feature_owner/migration:pending"]);
  });
});

describe("decideApproval (D1, D4, A4)", () => {
  function requested(over: Record<string, unknown> = {}, creator?: Actor) {
    const r = releaseAwaitingProduction(db, over, creator);
    driveRelease(who("captain"), command(r.id, "request_approval"), undefined, NOW);
    return findRelease(db, r.id)!;
  }

  it("a sentinel approves: the row, a fresh expiry and approval.grant under the approval's role", async () => {
    const r = requested();
    const a = pendingOf(r.id, "sentinel");
    const before = lastAuditId(sqlite);
    const sentinel = who("sentinel");
    expect(await decideApproval(sentinel, decision(a.id, "approve", { comment: "LGTM" }), "req-ok", NOW + MIN)).toEqual({ id: a.id, status: "approved" });
    expect(findApproval(db, a.id)).toMatchObject({ status: "approved", approverId: sentinel.id, comment: "LGTM", decidedAt: NOW + MIN, expiresAt: NOW + MIN + 24 * HOUR });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "approval.grant",
        actorId: sentinel.id,
        roles: ["sentinel"],
        subjectId: String(r.id),
        requestId: "req-ok",
        details: expect.objectContaining({ approvalId: a.id, role: "sentinel", kind: "production", version: "2.0.0", comment: "LGTM", reauthenticated: false }) as unknown,
      }),
    ]);
  });

  it("the creator may not approve their own release (captain-sentinel), audited as approval.refused", async () => {
    const r = requested({}, actorFor(db, DEMO("captain-sentinel")));
    const a = pendingOf(r.id, "sentinel");
    const { event } = await expectAuditedRefusal(sqlite, () => decideApproval(who("captain-sentinel"), decision(a.id, "approve"), "req-sod", NOW), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: APPROVAL_MESSAGES.separationOfDuties,
    });
    expect(event).toMatchObject({
      actorLabel: DEMO("captain-sentinel"),
      subjectType: "release",
      subjectId: String(r.id),
      requestId: "req-sod",
      details: { approvalId: a.id, role: "sentinel", kind: "production", decision: "approve", reason: APPROVAL_MESSAGES.separationOfDuties },
    });
  });

  it("nor may someone who drove one of its rollouts", async () => {
    // Created by captain, but captain-sentinel started its staging rollout.
    const r = releaseInSoak({}, who("captain-sentinel"));
    await decideApproval(who("feature"), decision(pendingOf(r.id, "feature_owner").id, "approve"), undefined, NOW);
    driveRelease(who("captain"), command(r.id, "request_approval", { reason: "tested enough" }), undefined, NOW);
    await expectAuditedRefusal(sqlite, () => decideApproval(who("captain-sentinel"), decision(pendingOf(r.id, "sentinel").id, "approve"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: APPROVAL_MESSAGES.separationOfDuties,
    });
  });

  it("one person counts once: a sentinel + service owner cannot fill both slots", async () => {
    const both = { ...insertUserWithRoles(db, "both@example.test", ["sentinel", "service_owner"]), signedInAt: NOW };
    const r = requested();
    await decideApproval(both, decision(pendingOf(r.id, "sentinel").id, "approve"), undefined, NOW);
    await expectAuditedRefusal(sqlite, () => decideApproval(both, decision(pendingOf(r.id, "service_owner").id, "approve"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: APPROVAL_MESSAGES.countsOnce,
    });
  });

  it("a hotfix needs two distinct sentinels: the same sentinel twice is refused", async () => {
    const r = requested({ hotfix: true });
    const [first, second] = approvalsOf(db, r.id).filter((a) => a.kind === "hotfix");
    await decideApproval(who("sentinel"), decision(first!.id, "approve"), undefined, NOW);
    await expectAuditedRefusal(sqlite, () => decideApproval(who("sentinel"), decision(second!.id, "approve"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: APPROVAL_MESSAGES.countsOnce,
    });
    await decideApproval(who("sentinel2"), decision(second!.id, "approve"), undefined, NOW);
    expect(approvalsByStatus(db, r.id)).toEqual(["feature_owner/smoke:approved", "sentinel/hotfix:approved", "sentinel/hotfix:approved"]);
  });

  it("the inbox tells before any click what each person can decide, and why not (issue 14): the same rules as the decision", async () => {
    const cs = who("captain-sentinel");
    const r = requested({ hotfix: true }, actorFor(db, DEMO("captain-sentinel")));
    const [first, second] = approvalsOf(db, r.id).filter((a) => a.kind === "hotfix");
    const view = (a: Actor) => {
      const i = approvalInbox(db, a, NOW);
      const ids = (rows: { id: number }[]) => rows.map((x) => x.id).filter((id) => id === first!.id || id === second!.id);
      return { yours: ids(i.yours), notYours: i.notYours.filter((x) => x.releaseId === r.id).map((x) => [x.id, x.reason]), onYourReleases: ids(i.onYourReleases) };
    };
    // The creator holds the sentinel role: both requests are listed as not theirs, with separation of duties as the reason.
    expect(view(cs)).toEqual({ yours: [], notYours: [[first!.id, APPROVAL_MESSAGES.separationOfDuties], [second!.id, APPROVAL_MESSAGES.separationOfDuties]], onYourReleases: [] });
    expect(view(who("sentinel"))).toEqual({ yours: [first!.id, second!.id], notYours: [], onYourReleases: [] });
    await decideApproval(who("sentinel"), decision(first!.id, "approve"), undefined, NOW);
    // Once a sentinel approved, the second request is not theirs any more: they count once.
    expect(view(who("sentinel"))).toEqual({ yours: [], notYours: [[second!.id, APPROVAL_MESSAGES.countsOnce]], onYourReleases: [] });
    expect(view(who("sentinel2"))).toEqual({ yours: [second!.id], notYours: [], onYourReleases: [] });
    // A release captain without the sentinel role who drove nothing sees neither; the creator's view above is the one that says why.
    expect(view(who("captain"))).toEqual({ yours: [], notYours: [], onYourReleases: [] });
    // The decision agrees with what the inbox said.
    await expectAuditedRefusal(sqlite, () => decideApproval(cs, decision(second!.id, "approve"), undefined, NOW), { code: "PRECONDITION_FAILED", action: "approval.refused", message: APPROVAL_MESSAGES.separationOfDuties });
    // Requests on my releases for roles I do not hold are listed as waiting on others.
    const owned = requested({}, actorFor(db, DEMO("captain")));
    const ownerRequest = pendingOf(owned.id, "service_owner");
    expect(approvalInbox(db, who("captain"), NOW).onYourReleases.map((x) => x.id)).toContain(ownerRequest.id);
  });

  it("the wrong role is FORBIDDEN (audited); a role without approval.decide never gets that far", async () => {
    const r = requested();
    const { event } = await expectAuditedRefusal(sqlite, () => decideApproval(who("owner"), decision(pendingOf(r.id, "sentinel").id, "approve"), undefined, NOW), {
      code: "FORBIDDEN",
      action: "approval.refused",
      message: "You need the Governance Sentinel role to decide this approval.",
    });
    expect(event.details).toMatchObject({ role: "sentinel", decision: "approve" });
    for (const name of ["viewer", "captain", "security", "dev"]) {
      const err = await expectRefusedWithoutWrites(sqlite, () => decideApproval(who(name), decision(pendingOf(r.id, "sentinel").id, "approve"), undefined, NOW), ForbiddenError);
      expect(err).toMatchObject({ permission: "approval.decide" });
    }
  });

  it("an expired request is refused", async () => {
    const r = requested();
    const a = pendingOf(r.id, "sentinel");
    const late = NOW + 24 * HOUR;
    await expectAuditedRefusal(sqlite, () => decideApproval(signedIn(db, "sentinel", late), decision(a.id, "approve"), undefined, late), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: APPROVAL_MESSAGES.expired,
    });
    // And it is no longer in anybody's inbox.
    expect(pendingApprovalsForRoles(db, ["sentinel"], late)).toEqual([]);
  });

  it("a release that changed since the request: refused as changed (fingerprint); after a proper edit the request is void", async () => {
    const r = requested();
    const a = pendingOf(r.id, "sentinel");
    // A change that bypassed updateRelease: the approval's fingerprint no longer matches.
    updateReleaseRow(db, r.id, r.rowVersion, { changeLog: "Something else entirely was shipped." });
    await expectAuditedRefusal(sqlite, () => decideApproval(who("sentinel"), decision(a.id, "approve"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: APPROVAL_MESSAGES.changed,
    });
    const edited = updateReleaseInput.parse({ ...releaseForm(db), releaseId: r.id, rowVersion: findRelease(db, r.id)!.rowVersion, changeLog: "The edited change log." });
    updateRelease(who("captain"), edited, undefined, NOW);
    await expectAuditedRefusal(sqlite, () => decideApproval(who("sentinel"), decision(a.id, "approve"), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: "This approval is already void.",
    });
  });

  it("an already decided approval cannot be decided again", async () => {
    const r = requested();
    const a = pendingOf(r.id, "sentinel");
    await decideApproval(who("sentinel"), decision(a.id, "approve"), undefined, NOW);
    await expectAuditedRefusal(sqlite, () => decideApproval(who("sentinel2"), decision(a.id, "reject", { comment: "too late?" }), undefined, NOW), {
      code: "PRECONDITION_FAILED",
      action: "approval.refused",
      message: "This approval is already approved.",
    });
  });

  it("a sign-in older than 15 min needs the password: none -> INVALID (audited), wrong -> INVALID, right -> approved", async () => {
    const r = requested();
    const a = pendingOf(r.id, "sentinel");
    const stale = signedIn(db, "sentinel", NOW - 16 * MIN);
    const { error } = await expectAuditedRefusal(sqlite, () => decideApproval(stale, decision(a.id, "approve"), undefined, NOW), {
      code: "INVALID",
      action: "approval.refused",
      message: APPROVAL_MESSAGES.reauth,
    });
    expect(error.fieldErrors).toEqual({ password: ["Enter your password to confirm it is you."] });
    // A wrong password is audited like any refusal, so guessing leaves a trail.
    const { error: wrong } = await expectAuditedRefusal(sqlite, () => decideApproval(stale, decision(a.id, "approve", { password: "not-the-password" }), undefined, NOW), {
      code: "INVALID",
      action: "approval.refused",
      message: "That password is not right.",
    });
    expect(wrong.fieldErrors).toEqual({ password: ["That password is not right."] });

    const before = lastAuditId(sqlite);
    expect(await decideApproval(stale, decision(a.id, "approve", { password: DEMO_PASSWORD }), undefined, NOW)).toEqual({ id: a.id, status: "approved" });
    expect(auditEvents(sqlite, before)).toEqual([expect.objectContaining({ action: "approval.grant", details: expect.objectContaining({ reauthenticated: true }) as unknown })]);
    // Exactly 15 minutes is still recent.
    const owner = signedIn(db, "owner", NOW - 15 * MIN);
    expect(await decideApproval(owner, decision(pendingOf(r.id, "service_owner").id, "approve"), undefined, NOW)).toMatchObject({ status: "approved" });
  });

  it("a rejection needs a comment of at least 3 characters; then it is recorded as approval.reject", async () => {
    const r = requested();
    const a = pendingOf(r.id, "service_owner");
    const bad = decideApprovalInput.safeParse({ approvalId: a.id, decision: "reject", comment: " " });
    expect(bad.success).toBe(false);
    expect(InvalidError.fromIssues(bad.error!.issues).fieldErrors).toEqual({ comment: ["Say why you reject (at least 3 characters)."] });
    const before = lastAuditId(sqlite);
    expect(await decideApproval(who("owner"), decision(a.id, "reject", { comment: "No load test" }), undefined, NOW)).toEqual({ id: a.id, status: "rejected" });
    expect(findApproval(db, a.id)).toMatchObject({ status: "rejected", comment: "No load test", expiresAt: a.expiresAt });
    expect(auditEvents(sqlite, before)).toEqual([expect.objectContaining({ action: "approval.reject", roles: ["service_owner"], details: expect.objectContaining({ comment: "No load test" }) as unknown })]);
  });
});

describe("start_production needs the approvals (D1, D2; governance holds in every mode)", () => {
  it("without approvals -> BLOCKED, reasons start with 'Missing approval', only gate.blocked written", async () => {
    const r = releaseAwaitingProduction(db);
    const { error, event } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), "req-blk", NOW), {
      code: "BLOCKED",
      action: "gate.blocked",
    });
    expect(error.reasons).toEqual(["Missing approval: Governance Sentinel approval", "Missing approval: Service owner approval"]);
    expect(error.reasons!.every((x) => x.startsWith("Missing approval"))).toBe(true);
    expect(event).toMatchObject({
      subjectType: "release",
      subjectId: String(r.id),
      environment: "production",
      requestId: "req-blk",
      details: {
        gatedAction: "deploy.canary.start",
        mode: "monitor",
        reasons: error.reasons,
        requires: ["approval:Governance Sentinel approval", "approval:Service owner approval"],
        wouldBlock: ["Production actions require explicit override"],
        usedOverride: null,
        releaseId: r.id,
      },
    });
  });

  it("a sentinel alone is not enough; sentinel + owner let it start (monitor mode records would_block)", async () => {
    const r = releaseAwaitingProduction(db);
    addApproval(db, r.id, "sentinel", "production", { approver: who("sentinel") });
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toEqual(["Missing approval: Service owner approval"]);

    addApproval(db, r.id, "service_owner", "production", { approver: who("owner") });
    const before = lastAuditId(sqlite);
    const out = driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW);
    expect(out.release.status).toBe("production_rollout");
    expect(findRollout(db, out.rolloutIds[0]!)).toMatchObject({ releaseId: r.id, environmentId: findEnvironmentByName(db, "production")!.id, status: "running" });
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["gate.would_block", "rollout.start", "release.advance"]);
    expect(auditEvents(sqlite, before)[0]!.details).toMatchObject({ mode: "monitor", wouldBlock: ["Production actions require explicit override"], reasons: [] });
  });

  it("approvals by the person about to drive do not count (A4)", async () => {
    const r = releaseAwaitingProduction(db);
    addApproval(db, r.id, "sentinel", "production", { approver: who("captain-sentinel") });
    addApproval(db, r.id, "service_owner", "production", { approver: who("owner") });
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain-sentinel"), command(r.id, "start_production"), undefined, NOW), {
      code: "BLOCKED",
      action: "gate.blocked",
    });
    expect(error.reasons).toEqual(["Missing approval: Governance Sentinel approval"]);
    // Driven by someone else, the same approvals suffice.
    expect(driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW).release.status).toBe("production_rollout");
  });

  it("expired or voided approvals do not count", async () => {
    const r = releaseAwaitingProduction(db);
    addApproval(db, r.id, "sentinel", "production", { approver: who("sentinel"), requestedAt: NOW - 30 * HOUR });
    addApproval(db, r.id, "service_owner", "production", { approver: who("owner") });
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toEqual(["Missing approval: Governance Sentinel approval"]);
  });

  it("a hotfix reaching production gets its postmortem due in 24 h and a merge-back reminder", () => {
    const r = releaseAwaitingProduction(db, { hotfix: true, sev1: true });
    addApproval(db, r.id, "sentinel", "hotfix", { approver: who("sentinel") });
    addApproval(db, r.id, "sentinel", "hotfix", { approver: who("sentinel2") });
    const out = driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW);
    expect(out.release).toMatchObject({ status: "production_rollout", postmortemDueAt: NOW + 24 * HOUR });
    expect(out.release.mergeBackReminder).toContain(new Date(NOW + 24 * HOUR).toISOString());
    expect(rolloutsOfRelease(db, r.id)).toHaveLength(1);
  });

  it("normal release approvals: a second sentinel does not replace the service owner", async () => {
    const r = releaseAwaitingProduction(db);
    approveForProduction(db, r.id);
    sqlite.prepare("UPDATE approvals SET status = 'void' WHERE release_id = ? AND role = 'service_owner'").run(r.id);
    addApproval(db, r.id, "sentinel", "production", { approver: who("sentinel2") });
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toEqual(["Missing approval: Service owner approval"]);
  });
});
