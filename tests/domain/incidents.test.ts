import { describe, expect, it } from "vitest";
import { incidentNoteInput, incidentStatusInput, openIncidentInput } from "@/lib/domain/incidents/inputs";
import {
  DETECTED_AT_MESSAGES,
  type IncidentFacts,
  clockStart,
  detectedAtProblem,
  dueBreaches,
  locksDown,
  moveIncident,
  postmortemDueAt,
  rollbackDetectedAt,
  rollbackSeverity,
  slaClocks,
} from "@/lib/domain/incidents/rules";
import { type AuditFact, rolloutTimeline } from "@/lib/domain/incidents/timeline";

const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);
const MIN = 60_000;
const incident = (over: Partial<IncidentFacts> = {}): IncidentFacts => ({
  severity: "P1",
  status: "open",
  openedAt: T0,
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  ackBreachedAt: null,
  mitigateBreachedAt: null,
  ...over,
});
const states = (i: IncidentFacts, now: number) => slaClocks(i, now).map((c) => `${c.clock}:${c.state}`);

describe("SLA clocks (runbook 004: P1 5 min / 30 min, P2 15 min / 2 h)", () => {
  it.each([
    ["P1", 5, 30],
    ["P2", 15, 120],
  ] as const)("%s: acknowledge due after %i min, mitigate after %i min", (severity, ack, mitigate) => {
    const clocks = slaClocks(incident({ severity }), T0);
    expect(clocks.map((c) => [c.clock, c.dueAt - T0])).toEqual([
      ["acknowledge", ack * MIN],
      ["mitigate", mitigate * MIN],
    ]);
    expect(clocks.map((c) => c.leftMs)).toEqual([ack * MIN, mitigate * MIN]);
  });

  it.each([
    // virtual time after opening (min), facts -> states
    [4.9, {}, ["acknowledge:running", "mitigate:running"]],
    [5, {}, ["acknowledge:running", "mitigate:running"]],
    [5.01, {}, ["acknowledge:breached", "mitigate:running"]],
    [31, {}, ["acknowledge:breached", "mitigate:breached"]],
    [31, { acknowledgedAt: T0 + 2 * MIN }, ["acknowledge:met", "mitigate:breached"]],
    [40, { acknowledgedAt: T0 + 7 * MIN, mitigatedAt: T0 + 20 * MIN }, ["acknowledge:met_late", "mitigate:met"]],
    [40, { severity: "P2", acknowledgedAt: T0 + 7 * MIN }, ["acknowledge:met", "mitigate:running"]],
  ] as const)("at +%f min with %j", (minutes, over, want) => {
    expect(states(incident(over as Partial<IncidentFacts>), T0 + minutes * MIN)).toEqual(want);
  });

  it("a running clock counts down and goes negative once overdue", () => {
    expect(slaClocks(incident(), T0 + 3 * MIN)[0]!.leftMs).toBe(2 * MIN);
    expect(slaClocks(incident(), T0 + 6 * MIN)[0]!.leftMs).toBe(-MIN);
  });
});

describe("detected at (incident.io): the clocks run from the detection", () => {
  it("a P1 detected 20 min before it was opened is already past its acknowledge clock, not its mitigate clock", () => {
    const i = incident({ openedAt: T0, detectedAt: T0 - 20 * MIN });
    expect(clockStart(i)).toBe(T0 - 20 * MIN);
    expect(slaClocks(i, T0).map((c) => [c.clock, c.dueAt, c.state])).toEqual([
      ["acknowledge", T0 - 15 * MIN, "breached"],
      ["mitigate", T0 + 10 * MIN, "running"],
    ]);
    expect(dueBreaches(i, T0)).toEqual([{ clock: "acknowledge", dueAt: T0 - 15 * MIN }]);
  });

  it("no detection time (rows older than the column, null) means the opening", () => {
    expect(clockStart(incident({ detectedAt: null }))).toBe(T0);
    expect(clockStart(incident())).toBe(T0);
  });

  it.each([
    [0, null],
    [-24 * 60 * MIN, null],
    [-24 * 60 * MIN - 1, DETECTED_AT_MESSAGES.tooOld],
    [1, DETECTED_AT_MESSAGES.future],
  ] as const)("detected %i ms from now -> %s", (offset, want) => {
    expect(detectedAtProblem(T0 + offset, T0)).toBe(want);
  });

  it("a rollback incident: the analysis decision's satisfiedAt or a failed step, the first one, never after the opening; else the opening", () => {
    const ev = (id: number, action: string, min: number, details: Record<string, unknown> = {}): AuditFact => ({ id, at: T0 + min * MIN, action, actorLabel: "analysis", details });
    const decision = (id: number, min: number, satisfiedMin?: number) => ev(id, "analysis.decision", min, { outcome: "rollback (immediate)", ...(satisfiedMin === undefined ? {} : { satisfiedAt: T0 + satisfiedMin * MIN }) });
    expect(rollbackDetectedAt([ev(1, "rollout.start", -10), ev(2, "analysis.decision", -6, { outcome: "pass", satisfiedAt: T0 - 7 * MIN }), decision(3, -4, -5), ev(4, "rollout.abort", -4)], T0)).toBe(T0 - 5 * MIN);
    expect(rollbackDetectedAt([decision(5, -2), ev(3, "rollout.step_failed", -3)], T0)).toBe(T0 - 3 * MIN);
    expect(rollbackDetectedAt([ev(1, "rollout.start", -10), ev(2, "rollout.abort", -3)], T0)).toBe(T0);
    expect(rollbackDetectedAt([decision(1, 1, 1)], T0)).toBe(T0);
  });
});

describe("dueBreaches: once per clock", () => {
  it("nothing before the due time, the acknowledge clock just after, both later", () => {
    expect(dueBreaches(incident(), T0 + 5 * MIN)).toEqual([]);
    expect(dueBreaches(incident(), T0 + 6 * MIN)).toEqual([{ clock: "acknowledge", dueAt: T0 + 5 * MIN }]);
    expect(dueBreaches(incident(), T0 + 31 * MIN).map((b) => b.clock)).toEqual(["acknowledge", "mitigate"]);
  });

  it("a recorded breach is never due again", () => {
    expect(dueBreaches(incident({ ackBreachedAt: T0 + 6 * MIN }), T0 + 10 * MIN)).toEqual([]);
    expect(dueBreaches(incident({ ackBreachedAt: T0 + 6 * MIN }), T0 + 31 * MIN).map((b) => b.clock)).toEqual(["mitigate"]);
  });

  it("a clock stopped in time never breaches; one stopped late still counts once", () => {
    expect(dueBreaches(incident({ acknowledgedAt: T0 + MIN, mitigatedAt: T0 + 10 * MIN }), T0 + 600 * MIN)).toEqual([]);
    expect(dueBreaches(incident({ acknowledgedAt: T0 + 8 * MIN }), T0 + 9 * MIN).map((b) => b.clock)).toEqual(["acknowledge"]);
  });
});

describe("status machine open -> acknowledged -> mitigated -> resolved", () => {
  const now = T0 + 3 * MIN;
  it.each([
    ["open", "acknowledged", { status: "acknowledged", acknowledgedAt: now, mitigatedAt: null, resolvedAt: null }],
    ["open", "mitigated", { status: "mitigated", acknowledgedAt: now, mitigatedAt: now, resolvedAt: null }],
    ["open", "resolved", { status: "resolved", acknowledgedAt: now, mitigatedAt: now, resolvedAt: now }],
  ] as const)("%s -> %s stamps the skipped statuses too", (from, to, next) => {
    expect(moveIncident(incident({ status: from }), to, now)).toEqual({ ok: true, next });
  });

  it("keeps earlier stamps", () => {
    const i = incident({ status: "acknowledged", acknowledgedAt: T0 + MIN });
    expect(moveIncident(i, "mitigated", now)).toEqual({ ok: true, next: { status: "mitigated", acknowledgedAt: T0 + MIN, mitigatedAt: now, resolvedAt: null } });
  });

  it.each([
    ["acknowledged", "acknowledged", "This incident is already acknowledged."],
    ["mitigated", "acknowledged", "This incident is already mitigated."],
    ["resolved", "mitigated", "This incident is resolved; nothing changes any more."],
  ] as const)("%s -> %s is refused", (from, to, reason) => {
    expect(moveIncident(incident({ status: from }), to, now)).toEqual({ ok: false, reason });
  });
});

describe("rollback incidents", () => {
  it.each([
    [true, true, "P1"],
    [true, false, "P2"],
    [false, true, "P2"],
    [false, false, "P2"],
  ] as const)("automatic %s, immediate %s -> %s", (automatic, immediate, want) => expect(rollbackSeverity({ automatic, immediate })).toBe(want));

  it("postmortem due 48 h after, 24 h for a hotfix", () => {
    expect(postmortemDueAt(T0, false) - T0).toBe(48 * 60 * MIN);
    expect(postmortemDueAt(T0, true) - T0).toBe(24 * 60 * MIN);
  });

  it("only a P1 security incident locks down (E5)", () => {
    expect(locksDown({ kind: "security", severity: "P1" })).toBe(true);
    expect(locksDown({ kind: "security", severity: "P2" })).toBe(false);
    expect(locksDown({ kind: "rollback", severity: "P1" })).toBe(false);
  });

  const ev = (id: number, action: string, details: Record<string, unknown> = {}, actorLabel = "worker"): AuditFact => ({ id, at: T0 + id * 1000, action, actorLabel, details });
  const shape = { service: "sample-api", environment: "production", deployed: "2.0.0", replaced: "1.9.0", restored: "1.9.0", redeploy: false };

  it("the timeline keeps deployed, breach with the decision's numbers, rollback initiated, restored", () => {
    const events = [
      ev(4, "rollout.rolled_back"),
      ev(1, "rollout.start", {}, "captain@flightdeck.local"),
      ev(2, "rollout.step_succeeded"),
      ev(3, "analysis.decision", { outcome: "pass", sentence: "fine" }, "analysis"),
      ev(5, "analysis.decision", { outcome: "rollback (immediate)", sentence: "5xx rate 12% > 5%", canary: 0.12, baseline: 0.01, threshold: 0.05 }, "analysis"),
      ev(6, "rollout.abort", { automatic: true, event: { type: "abort", reason: "5xx rate 12% > 5%" } }, "analysis"),
      ev(7, "rollout.rolled_back"),
    ];
    expect(rolloutTimeline(events, shape).map((e) => [e.auditEventId, e.kind, e.text, e.authorLabel])).toEqual([
      [1, "deployed", "sample-api 2.0.0 started in production (replacing 1.9.0).", "captain@flightdeck.local"],
      [4, "service_restored", "Rollback completed: 1.9.0 serves all traffic in production.", "worker"],
      [5, "breach_detected", "5xx rate 12% > 5% (canary 0.12, baseline 0.01, threshold 0.05).", "analysis"],
      [6, "rollback_initiated", "Automatic rollback initiated: 5xx rate 12% > 5%.", "analysis"],
      [7, "service_restored", "Rollback completed: 1.9.0 serves all traffic in production.", "worker"],
    ]);
  });

  it("a redeploy rollback starts as 'rollback initiated' and ends restored when it succeeds", () => {
    const events = [ev(1, "rollout.start", { rollback: true, reason: "errors" }), ev(2, "rollout.succeeded")];
    const kinds = rolloutTimeline(events, { ...shape, deployed: "1.9.0", replaced: "2.0.0", redeploy: true }).map((e) => [e.kind, e.text]);
    expect(kinds).toEqual([
      ["rollback_initiated", "Rollback initiated: redeploying 1.9.0 (errors)."],
      ["service_restored", "Rollback completed: 1.9.0 serves all traffic in production."],
    ]);
  });
});

describe("inputs", () => {
  it("a manual incident needs a title; rollback incidents are never opened by hand", () => {
    const r = openIncidentInput.safeParse({ title: "x", kind: "rollback", severity: "P3" });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0]).sort()).toEqual(["kind", "severity", "title"]);
    expect(openIncidentInput.parse({ title: "Leaked key", kind: "security", severity: "P1", serviceId: "" })).toEqual({ title: "Leaked key", kind: "security", severity: "P1", summary: "" });
  });

  it("detected at: empty is unset; datetime-local is read as UTC; ISO with a zone is kept; anything else is refused in plain words", () => {
    const base = { title: "Checkout down", kind: "outage", severity: "P2" };
    expect(openIncidentInput.parse({ ...base, detectedAt: "" }).detectedAt).toBeUndefined();
    expect(openIncidentInput.parse({ ...base, detectedAt: "2026-06-10T11:40" }).detectedAt).toBe(T0 - 20 * MIN);
    expect(openIncidentInput.parse({ ...base, detectedAt: "2026-06-10T13:40:00+02:00" }).detectedAt).toBe(T0 - 20 * MIN);
    for (const bad of ["yesterday", "2026-06-10", "2026-13-40T99:99", 1_700_000_000_000]) {
      const r = openIncidentInput.safeParse({ ...base, detectedAt: bad });
      expect(r.success, String(bad)).toBe(false);
      expect(r.error!.issues.map((i) => [i.path[0], i.message])).toEqual([["detectedAt", DETECTED_AT_MESSAGES.invalid]]);
    }
  });

  it("status targets are the three forward ones; a note is not empty", () => {
    expect(incidentStatusInput.safeParse({ incidentId: "1", to: "open" }).success).toBe(false);
    expect(incidentStatusInput.parse({ incidentId: "1", to: "acknowledged", expectedVersion: "3" })).toEqual({ incidentId: 1, to: "acknowledged", expectedVersion: 3 });
    expect(incidentNoteInput.safeParse({ incidentId: 1, text: "  " }).success).toBe(false);
  });
});
