import { describe, expect, it } from "vitest";
import { freshSeededDbPerTest } from "../support/governance";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findWindow, listWindows } from "@/db/queries/governance";
import { rolloutsOfRelease } from "@/db/queries/releases";
import type { Actor } from "@/lib/domain/actor";
import { BLOCK_MESSAGES } from "@/lib/domain/policy/gate";
import { releaseCommandInput } from "@/lib/domain/release/inputs";
import { WINDOW_MESSAGES } from "@/lib/domain/windows/calendar";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { createOverride } from "@/lib/services/security/create-override";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { createWindow } from "@/lib/services/windows/create-window";
import { deleteWindow } from "@/lib/services/windows/delete-window";
import { actorFor, auditEvents, expectRefusedWithoutWrites, lastAuditId, } from "../support/db";
import { DEMO, HOUR, NOW, addApproval, approveForProduction, expectAuditedRefusal, newRelease, passPreflight, passValidation, releaseAwaitingProduction } from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const who = (name: string): Actor => actorFor(db, DEMO(name));
const command = (releaseId: number, cmd: string) => releaseCommandInput.parse({ releaseId, command: cmd });
const iso = (ms: number) => new Date(ms).toISOString();
/** An ad-hoc freeze from an hour ago to two days ahead of NOW. */
const FREEZE = { kind: "freeze", name: "Launch week freeze", startsAt: iso(NOW - HOUR), endsAt: iso(NOW + 48 * HOUR) };
const freezeNow = () => createWindow(who("security"), FREEZE, undefined, NOW);
const enforceWithOverride = (at = NOW) => {
  setSecurityGate(who("security"), { mode: "enforce" }, undefined, at);
  createOverride(who("security"), { action: "deploy.canary.start", environment: "production", reason: "Planned release, CHG-1234", ttlMinutes: 120 }, undefined, at);
};

describe("the default calendar (F1, F2)", () => {
  it("has the two yearly freezes and the monthly maintenance window", () => {
    expect(listWindows(db).map((w) => [w.kind, w.name, w.recurrence, iso(w.startsAt), iso(w.endsAt)])).toEqual([
      ["freeze", "Holiday freeze (Dec 24-26)", "yearly", "2000-12-24T00:00:00.000Z", "2000-12-27T00:00:00.000Z"],
      ["freeze", "New Year freeze (Dec 31-Jan 2)", "yearly", "2000-12-31T00:00:00.000Z", "2001-01-03T00:00:00.000Z"],
      ["maintenance", "Monthly maintenance (first Tuesday 02:00-04:00 UTC)", "monthly_first_tuesday", "2000-01-04T02:00:00.000Z", "2000-01-04T04:00:00.000Z"],
    ]);
  });

  it("the yearly holiday freeze blocks a production start on Dec 25 of any year", async () => {
    const xmas = Date.UTC(2027, 11, 25, 12);
    const r = releaseAwaitingProduction(db);
    addApproval(db, r.id, "sentinel", "production", { approver: who("sentinel"), requestedAt: xmas - HOUR });
    addApproval(db, r.id, "service_owner", "production", { approver: who("owner"), requestedAt: xmas - HOUR });
    passValidation(db, r.id, "production", xmas - 10 * 60_000);
    enforceWithOverride(xmas);
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, xmas), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toEqual(["Production deploys are frozen: Holiday freeze (Dec 24-26) (until 2027-12-27T00:00:00.000Z)"]);
  });
});

describe("createWindow", () => {
  it("adds an ad-hoc freeze, audited as window.create", () => {
    const before = lastAuditId(sqlite);
    const w = createWindow(who("sentinel"), FREEZE, "req-win", NOW);
    expect(findWindow(db, w.id)).toMatchObject({ kind: "freeze", name: "Launch week freeze", recurrence: "none", startsAt: NOW - HOUR, endsAt: NOW + 48 * HOUR, createdBy: who("sentinel").id, createdAt: NOW });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "window.create",
        subjectType: "window",
        subjectId: String(w.id),
        requestId: "req-win",
        details: { kind: "freeze", name: "Launch week freeze", recurrence: "none", startsAt: FREEZE.startsAt, endsAt: FREEZE.endsAt },
      }),
    ]);
  });

  it("admin and security may manage windows too; a time without zone is read as UTC", () => {
    const w = createWindow(who("admin"), { kind: "maintenance", name: "DB upgrade", startsAt: "2026-06-11T22:00", endsAt: "2026-06-11T23:30" }, undefined, NOW);
    expect([iso(w.startsAt), iso(w.endsAt)]).toEqual(["2026-06-11T22:00:00.000Z", "2026-06-11T23:30:00.000Z"]);
    expect(createWindow(who("security"), FREEZE, undefined, NOW).name).toBe("Launch week freeze");
  });

  it.each(["captain", "dev", "viewer", "owner", "lead", "oncall"])("%s may not manage windows (nothing written)", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createWindow(who(name), FREEZE, undefined, NOW), ForbiddenError);
    expect(err).toMatchObject({ permission: "window.manage" });
  });

  it("an inverted window (end before start) is refused with a field error and a window.refused event", async () => {
    const inverted = { ...FREEZE, startsAt: FREEZE.endsAt, endsAt: FREEZE.startsAt };
    const { error, event } = await expectAuditedRefusal(sqlite, () => createWindow(who("security"), inverted, "req-inv", NOW), { code: "INVALID", action: "window.refused" });
    expect(error.fieldErrors).toEqual({ endsAt: [WINDOW_MESSAGES.endAfterStart] });
    expect(event).toMatchObject({ subjectType: "window", requestId: "req-inv", details: { fields: Object.keys(inverted), reason: WINDOW_MESSAGES.endAfterStart } });
  });

  it("a window overlapping another of its kind is refused, naming it", async () => {
    const onXmas = { kind: "freeze", name: "Year-end code freeze", startsAt: "2026-12-20T00:00:00Z", endsAt: "2026-12-25T00:00:00Z" };
    const message = 'This window overlaps "Holiday freeze (Dec 24-26)".';
    expect(WINDOW_MESSAGES.overlap("Holiday freeze (Dec 24-26)")).toBe(message);
    const { error, event } = await expectAuditedRefusal(sqlite, () => createWindow(who("security"), onXmas, undefined, NOW), { code: "INVALID", action: "window.refused", message });
    expect(error.fieldErrors).toEqual({ startsAt: [message] });
    expect(event.details).toEqual({ fields: ["kind", "name", "startsAt", "endsAt"], reason: message });

    freezeNow();
    await expectAuditedRefusal(sqlite, () => createWindow(who("security"), { ...FREEZE, name: "Another", startsAt: iso(NOW + 47 * HOUR), endsAt: iso(NOW + 50 * HOUR) }, undefined, NOW), {
      code: "INVALID",
      action: "window.refused",
      message: 'This window overlaps "Launch week freeze".',
    });
    // Back to back is no overlap; a maintenance window may lie inside a freeze (other kind).
    expect(createWindow(who("security"), { ...FREEZE, name: "Follow-up", startsAt: FREEZE.endsAt, endsAt: iso(NOW + 60 * HOUR) }, undefined, NOW).name).toBe("Follow-up");
    expect(createWindow(who("security"), { kind: "maintenance", name: "Patch night", startsAt: iso(NOW + HOUR), endsAt: iso(NOW + 2 * HOUR) }, undefined, NOW).kind).toBe("maintenance");
  });

  it("a one-off maintenance window on a first Tuesday at 03:00 overlaps the monthly one", async () => {
    await expectAuditedRefusal(sqlite, () => createWindow(who("admin"), { kind: "maintenance", name: "Kernel", startsAt: "2026-07-07T03:00:00Z", endsAt: "2026-07-07T05:00:00Z" }, undefined, NOW), {
      code: "INVALID",
      action: "window.refused",
      message: 'This window overlaps "Monthly maintenance (first Tuesday 02:00-04:00 UTC)".',
    });
  });

  it("other invalid input: unnamed, unparseable instants, too-long monthly windows", async () => {
    const unnamed = await expectAuditedRefusal(sqlite, () => createWindow(who("admin"), { ...FREEZE, name: " " }, undefined, NOW), { code: "INVALID", action: "window.refused" });
    expect(unnamed.error.fieldErrors).toEqual({ name: ["Name the window."] });
    const garbage = await expectAuditedRefusal(sqlite, () => createWindow(who("admin"), { ...FREEZE, startsAt: "soon" }, undefined, NOW), { code: "INVALID", action: "window.refused" });
    expect(garbage.error.fieldErrors).toEqual({ startsAt: [WINDOW_MESSAGES.invalidInstant] });
    const monthly = await expectAuditedRefusal(
      sqlite,
      () => createWindow(who("admin"), { kind: "maintenance", name: "Long", recurrence: "monthly_first_tuesday", startsAt: "2026-07-07T05:00:00Z", endsAt: "2026-07-08T05:00:00Z" }, undefined, NOW),
      { code: "INVALID", action: "window.refused" },
    );
    expect(monthly.error.fieldErrors).toEqual({ endsAt: [WINDOW_MESSAGES.monthlyTooLong] });
  });
});

describe("deleteWindow", () => {
  it("removes the window; the audit event keeps what it was", async () => {
    const w = freezeNow();
    const before = lastAuditId(sqlite);
    expect(deleteWindow(who("admin"), { windowId: w.id }, "req-del", NOW)).toEqual({ id: w.id });
    expect(findWindow(db, w.id)).toBeUndefined();
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "window.delete", subjectId: String(w.id), requestId: "req-del", details: { kind: "freeze", name: "Launch week freeze", recurrence: "none", startsAt: FREEZE.startsAt, endsAt: FREEZE.endsAt } }),
    ]);
    await expectRefusedWithoutWrites(sqlite, () => deleteWindow(who("admin"), { windowId: w.id }), NotFoundError);
    await expectRefusedWithoutWrites(sqlite, () => deleteWindow(who("captain"), { windowId: listWindows(db)[0]!.id }), ForbiddenError, "(window.manage)");
  });
});

describe("freezes and production deploys (F1, D2)", () => {
  const frozen = () => BLOCK_MESSAGES.frozen("Launch week freeze", FREEZE.endsAt);

  it("a normal, fully approved release is BLOCKED: 'Production deploys are frozen: <name>'", async () => {
    const r = releaseAwaitingProduction(db);
    approveForProduction(db, r.id);
    enforceWithOverride();
    freezeNow();
    const { error, event } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toEqual([`Production deploys are frozen: Launch week freeze (until ${iso(NOW + 48 * HOUR)})`]);
    expect(error.reasons).toEqual([frozen()]);
    expect(event.details).toMatchObject({ gatedAction: "deploy.canary.start", mode: "enforce", reasons: error.reasons, releaseId: r.id });
  });

  it("a SEV-1 hotfix approved by two distinct sentinels goes through, with the exception on the record", () => {
    const r = releaseAwaitingProduction(db, { hotfix: true, sev1: true });
    addApproval(db, r.id, "sentinel", "hotfix", { approver: who("sentinel") });
    addApproval(db, r.id, "sentinel", "hotfix", { approver: who("sentinel2") });
    enforceWithOverride();
    freezeNow();
    const before = lastAuditId(sqlite);
    const out = driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW);
    expect(out.release.status).toBe("production_rollout");
    expect(rolloutsOfRelease(db, r.id)).toHaveLength(1);
    const [gate] = auditEvents(sqlite, before);
    expect(gate).toMatchObject({ action: "gate.override_used", details: { reasons: ["Freeze exception: SEV-1 hotfix approved by the governance board (Launch week freeze)"], wouldBlock: [] } });
  });

  it.each([
    ["a hotfix that is not SEV-1", { hotfix: true }, ["sentinel", "sentinel2"]],
    ["a SEV-1 hotfix with one sentinel", { hotfix: true, sev1: true }, ["sentinel"]],
  ])("%s stays frozen", async (_label, over, sentinels) => {
    const r = releaseAwaitingProduction(db, over);
    for (const s of sentinels) addApproval(db, r.id, "sentinel", "hotfix", { approver: who(s) });
    enforceWithOverride();
    freezeNow();
    const { error } = await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked" });
    expect(error.reasons).toContain(frozen());
    if (sentinels.length === 1) expect(error.reasons).toContain("Missing approval: a second, different Governance Sentinel");
  });

  it("staging is never frozen; deleting the freeze lets production go; monitor mode only records the freeze", async () => {
    const w = freezeNow();
    const staged = newRelease(db, { version: "2.1.0" });
    passPreflight(db, staged.id);
    expect(driveRelease(who("captain"), command(staged.id, "deploy_staging"), undefined, NOW).release.status).toBe("staging_deploy");

    const r = releaseAwaitingProduction(db);
    approveForProduction(db, r.id);
    // Monitor (the demo default): allowed, the freeze lands in would_block.
    const before = lastAuditId(sqlite);
    expect(driveRelease(who("captain"), command(r.id, "start_production"), undefined, NOW).release.status).toBe("production_rollout");
    expect(auditEvents(sqlite, before)[0]).toMatchObject({ action: "gate.would_block", details: { wouldBlock: [frozen(), BLOCK_MESSAGES.overrideRequired] } });

    const r2 = releaseAwaitingProduction(db, { version: "2.2.0" });
    approveForProduction(db, r2.id);
    sqlite.prepare("UPDATE rollouts SET status = 'succeeded' WHERE release_id = ?").run(r.id); // free the production slot
    enforceWithOverride();
    await expectAuditedRefusal(sqlite, () => driveRelease(who("captain"), command(r2.id, "start_production"), undefined, NOW), { code: "BLOCKED", action: "gate.blocked", message: "Production deploys are frozen" });
    deleteWindow(who("security"), { windowId: w.id }, undefined, NOW);
    expect(driveRelease(who("captain"), command(r2.id, "start_production"), undefined, NOW).release.status).toBe("production_rollout");
  });
});
