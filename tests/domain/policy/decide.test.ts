import { describe, expect, it } from "vitest";
import { type Decision, type PolicyContext, decide } from "@/lib/domain/policy/decide";
import { BLOCK_MESSAGES, GATED_ACTIONS, type GatedAction, SECURITY_MODES, type SecurityMode, THREAT_LEVELS, type ThreatLevel } from "@/lib/domain/policy/gate";
import type { OverrideRecord } from "@/lib/domain/policy/overrides";
import { type CalendarWindow, DEFAULT_WINDOWS } from "@/lib/domain/windows/calendar";

const NOW = Date.UTC(2026, 5, 10, 12); // a Wednesday in June: no default window active
const XMAS = Date.UTC(2026, 11, 25, 12);
const MIN = 60_000;
const production = { name: "production", production: true };
const staging = { name: "staging", production: false };
const DEFAULTS: CalendarWindow[] = DEFAULT_WINDOWS.map((w, i) => ({ ...w, id: i + 1 }));

const DEPLOY: GatedAction[] = ["deploy.canary.start", "deploy.step", "deploy.promote", "deploy.rollback", "load.shed"];
const ALWAYS: GatedAction[] = ["health.probe", "incident.escalate"];

let oid = 1;
const ov = (action: string, patch: Partial<OverrideRecord> = {}, now = NOW): OverrideRecord => ({
  id: oid++,
  action,
  environment: "production",
  expiresAt: now + 60 * MIN,
  revokedAt: null,
  ...patch,
});
const allOverrides = (now = NOW) => ["deploy.canary.start", "deploy.promote", "deploy.rollback", "load.shed"].map((a) => ov(a, {}, now));

function ctx(patch: Partial<PolicyContext> & { mode?: SecurityMode; threat?: ThreatLevel; lockdownReason?: string | null } = {}): PolicyContext {
  const { mode, threat, lockdownReason, ...rest } = patch;
  return {
    now: NOW,
    environment: production,
    gate: { mode: mode ?? "enforce", threatLevel: threat ?? "none", lockdownReason: lockdownReason ?? null },
    overrides: allOverrides(),
    windows: DEFAULTS,
    actor: { kind: "user", roles: ["release_captain"] },
    ...rest,
  };
}
const system = { kind: "system" as const, roles: [] };
const actorFor = (a: GatedAction) => (a === "deploy.auto_rollback" || a === "deploy.step" ? system : { kind: "user" as const, roles: ["release_captain" as const] });

type Approval = NonNullable<PolicyContext["release"]>["approval"];
const approved: Approval = { satisfied: true, hotfixBoardApproved: false, missing: [] };
const unapproved: Approval = { satisfied: false, hotfixBoardApproved: false, missing: ["Governance Sentinel approval", "Service owner approval"] };

describe("mode x action matrix (runbook 003 'What Works During Lockdown'), overrides present", () => {
  const expected: Record<SecurityMode, Record<GatedAction, boolean>> = {
    monitor: Object.fromEntries(GATED_ACTIONS.map((a) => [a, true])) as Record<GatedAction, boolean>,
    enforce: Object.fromEntries(GATED_ACTIONS.map((a) => [a, true])) as Record<GatedAction, boolean>,
    lockdown: {
      "health.probe": true,
      "incident.escalate": true,
      "deploy.canary.start": false,
      "deploy.step": false,
      "deploy.promote": false,
      "deploy.rollback": false,
      "load.shed": false,
      "deploy.auto_rollback": true,
    },
  };
  const rows = SECURITY_MODES.flatMap((mode) =>
    [production, staging].flatMap((environment) => GATED_ACTIONS.map((action) => ({ mode, action, env: environment.name, environment, allowed: expected[mode][action] }))),
  );
  it.each(rows)("$mode / $env / $action -> allowed $allowed", ({ mode, action, environment, allowed }) => {
    const d = decide(action, ctx({ mode, environment, actor: actorFor(action) }));
    expect(d.allowed).toBe(allowed);
    expect(d.mode).toBe(mode);
    if (!allowed) expect(d.reasons[0]).toBe(BLOCK_MESSAGES.lockdown);
    if (action === "deploy.auto_rollback") {
      expect(d.safetyAbort).toBe(true);
      expect(d.reasons).toEqual(mode === "lockdown" ? ["Automatic safety abort allowed during lockdown"] : []);
    }
    if (ALWAYS.includes(action)) expect(d).toEqual({ allowed: true, reasons: [], requires: [], wouldBlock: [], mode });
  });

  it.each(DEPLOY)("lockdown blocks %s with the reason security gave; overrides do not lift it", (action) => {
    const d = decide(action, ctx({ mode: "lockdown", lockdownReason: "Security incident investigation", actor: actorFor(action) }));
    expect(d.allowed).toBe(false);
    expect(d.reasons).toEqual(["Action blocked by security gate: lockdown (Security incident investigation)"]);
    expect(d.usedOverride).toBeUndefined();
    expect(d.wouldBlock).toEqual([]);
  });

  it("lockdown in production without overrides lists the missing override too", () => {
    const d = decide("deploy.rollback", ctx({ mode: "lockdown", overrides: [] }));
    expect(d.reasons).toEqual([BLOCK_MESSAGES.lockdown, BLOCK_MESSAGES.overrideRequired]);
    expect(d.requires).toEqual(["override:deploy.rollback@production"]);
  });

  it("a person cannot pass a manual rollback off as an automatic safety abort", () => {
    const d = decide("deploy.auto_rollback", ctx({ mode: "lockdown", actor: { kind: "user", roles: ["release_captain", "security"] } }));
    expect(d.allowed).toBe(false);
    expect(d.reasons).toEqual([BLOCK_MESSAGES.autoRollbackSystemOnly]);
  });
});

describe("threat levels x modes", () => {
  const rows = SECURITY_MODES.filter((m) => m !== "lockdown").flatMap((mode) =>
    THREAT_LEVELS.flatMap((threat) => [...DEPLOY, ...ALWAYS, "deploy.auto_rollback" as const].map((action) => ({ mode, threat, action }))),
  );
  it.each(rows)("$mode / threat $threat / $action", ({ mode, threat, action }) => {
    const d = decide(action, ctx({ mode, threat, actor: actorFor(action) }));
    const high = threat === "high" || threat === "critical";
    const gated = DEPLOY.includes(action);
    const msg = `Action blocked by security gate: threat level ${threat}`;
    if (!gated || !high) {
      expect(d.allowed).toBe(true);
      expect(d.wouldBlock).toEqual([]);
    } else if (mode === "monitor") {
      expect(d.allowed).toBe(true);
      expect(d.wouldBlock).toEqual([msg]);
      expect(d.reasons).toEqual([]);
    } else {
      expect(d.allowed).toBe(false);
      expect(d.reasons).toEqual([msg]);
    }
  });

  it.each(["high", "critical"] as const)("in lockdown a %s threat is listed after the lockdown", (threat) => {
    const d = decide("deploy.canary.start", ctx({ mode: "lockdown", threat }));
    expect(d.reasons).toEqual([BLOCK_MESSAGES.lockdown, BLOCK_MESSAGES.threat(threat)]);
  });

  it.each(["health.probe", "incident.escalate", "deploy.auto_rollback"] as const)("%s is allowed in lockdown at threat critical", (action) => {
    expect(decide(action, ctx({ mode: "lockdown", threat: "critical", actor: actorFor(action) })).allowed).toBe(true);
  });
});

describe("production overrides (enforce)", () => {
  type Row = { name: string; action: GatedAction; env?: typeof production; overrides: OverrideRecord[]; allowed: boolean; reasons?: string[]; requires?: string[]; used?: boolean };
  const start = "deploy.canary.start";
  const rb = "deploy.rollback";
  it.each<Row>([
    { name: "canary start with its override", action: start, overrides: [ov(start)], allowed: true, used: true },
    { name: "canary start without override", action: start, overrides: [], allowed: false, reasons: [BLOCK_MESSAGES.overrideRequired], requires: ["override:deploy.canary.start@production"] },
    { name: "canary start, override expired", action: start, overrides: [ov(start, { expiresAt: NOW - 1 })], allowed: false, reasons: [BLOCK_MESSAGES.overrideRequired] },
    { name: "canary start, override expiring this instant", action: start, overrides: [ov(start, { expiresAt: NOW })], allowed: false },
    { name: "canary start, override revoked", action: start, overrides: [ov(start, { revokedAt: NOW - MIN })], allowed: false, reasons: [BLOCK_MESSAGES.overrideRequired] },
    { name: "canary start, override for staging", action: start, overrides: [ov(start, { environment: "staging" })], allowed: false },
    { name: "canary start, override for rollback", action: start, overrides: [ov(rb)], allowed: false },
    { name: "rollback with its override", action: rb, overrides: [ov(rb)], allowed: true, used: true },
    {
      name: "rollback without override",
      action: rb,
      overrides: [ov(start)],
      allowed: false,
      reasons: ["Production actions require explicit override"],
      requires: ["override:deploy.rollback@production"],
    },
    { name: "rollback, override expired", action: rb, overrides: [ov(rb, { expiresAt: NOW - MIN })], allowed: false },
    { name: "rollback, override revoked", action: rb, overrides: [ov(rb, { revokedAt: NOW - MIN })], allowed: false },
    { name: "rollback, override for another env", action: rb, overrides: [ov(rb, { environment: "prod-eu" })], allowed: false },
    { name: "staging canary start needs none", action: start, env: staging, overrides: [], allowed: true },
    { name: "staging rollback needs none", action: rb, env: staging, overrides: [], allowed: true },
    { name: "staging step needs none", action: "deploy.step", env: staging, overrides: [], allowed: true },
    { name: "step lives on the canary start override", action: "deploy.step", overrides: [ov(start)], allowed: true, used: true },
    {
      name: "step after the start override expired mid-operation",
      action: "deploy.step",
      overrides: [ov(start, { expiresAt: NOW - MIN })],
      allowed: false,
      reasons: ["Override for deploy.canary.start in production expired; create a new override to continue"],
      requires: ["override:deploy.canary.start@production"],
    },
    {
      name: "step after the start override was revoked",
      action: "deploy.step",
      overrides: [ov(start, { revokedAt: NOW - MIN })],
      allowed: false,
      reasons: ["Override for deploy.canary.start in production was revoked; create a new override to continue"],
    },
    { name: "step with no start override ever", action: "deploy.step", overrides: [], allowed: false, reasons: [BLOCK_MESSAGES.overrideRequired] },
    { name: "step after a fresh override replaced the expired one", action: "deploy.step", overrides: [ov(start, { expiresAt: NOW - MIN }), ov(start)], allowed: true, used: true },
    { name: "step is not carried by a rollback override", action: "deploy.step", overrides: [ov(rb)], allowed: false },
    { name: "promote with a promote override", action: "deploy.promote", overrides: [ov("deploy.promote")], allowed: true, used: true },
    { name: "promote on the canary start override", action: "deploy.promote", overrides: [ov(start)], allowed: true, used: true },
    {
      name: "promote after the start override expired",
      action: "deploy.promote",
      overrides: [ov(start, { expiresAt: NOW - 1 })],
      allowed: false,
      reasons: [BLOCK_MESSAGES.overrideExpired("deploy.canary.start", "production")],
    },
    { name: "load shedding needs no override", action: "load.shed", overrides: [], allowed: true },
    { name: "auto rollback needs no override", action: "deploy.auto_rollback", overrides: [], allowed: true },
    { name: "health probe needs no override", action: "health.probe", overrides: [], allowed: true },
  ])("$name", ({ action, env, overrides, allowed, reasons, requires, used }) => {
    const d = decide(action, ctx({ environment: env ?? production, overrides, actor: actorFor(action) }));
    expect(d.allowed).toBe(allowed);
    if (reasons) expect(d.reasons).toEqual(reasons);
    if (requires) expect(d.requires).toEqual(requires);
    if (!allowed) expect(d.usedOverride).toBeUndefined();
    if (used) expect(overrides.map((o) => o.id)).toContain(d.usedOverride);
    else expect(d.usedOverride).toBeUndefined();
  });

  it("usedOverride is the id of the override used", () => {
    const o = ov("deploy.rollback", { id: 4242 });
    expect(decide("deploy.rollback", ctx({ overrides: [ov("deploy.canary.start"), o] })).usedOverride).toBe(4242);
  });

  it("monitor only records a missing override", () => {
    const d = decide("deploy.rollback", ctx({ mode: "monitor", overrides: [] }));
    expect(d).toEqual({ allowed: true, reasons: [], requires: [], wouldBlock: [BLOCK_MESSAGES.overrideRequired], mode: "monitor" });
  });

  it("monitor still reports the override it used", () => {
    const o = ov("deploy.rollback", { id: 77 });
    expect(decide("deploy.rollback", ctx({ mode: "monitor", overrides: [o] })).usedOverride).toBe(77);
  });
});

describe("freeze windows (F1)", () => {
  const board = { satisfied: true, hotfixBoardApproved: true, missing: [] };
  type Row = {
    name: string;
    action: GatedAction;
    at?: number;
    env?: typeof production;
    mode?: SecurityMode;
    release?: PolicyContext["release"];
    allowed: boolean;
    reasons?: string[];
    wouldBlock?: string[];
  };
  const frozenHoliday = "Production deploys are frozen: Holiday freeze (Dec 24-26) (until 2026-12-27T00:00:00.000Z)";
  it.each<Row>([
    { name: "canary start on Dec 25", action: "deploy.canary.start", allowed: false, reasons: [frozenHoliday] },
    { name: "step on Dec 25", action: "deploy.step", allowed: false, reasons: [frozenHoliday] },
    { name: "promote on Dec 25", action: "deploy.promote", allowed: false, reasons: [frozenHoliday] },
    { name: "rollback is not frozen", action: "deploy.rollback", allowed: true },
    { name: "auto rollback is not frozen", action: "deploy.auto_rollback", allowed: true },
    { name: "load shedding is not frozen", action: "load.shed", allowed: true },
    { name: "staging is not frozen", action: "deploy.canary.start", env: staging, allowed: true },
    {
      name: "New Year freeze on Jan 1",
      action: "deploy.canary.start",
      at: Date.UTC(2027, 0, 1, 9),
      allowed: false,
      reasons: ["Production deploys are frozen: New Year freeze (Dec 31-Jan 2) (until 2027-01-03T00:00:00.000Z)"],
    },
    { name: "Dec 27 is not frozen", action: "deploy.canary.start", at: Date.UTC(2026, 11, 27), allowed: true },
    {
      name: "SEV-1 hotfix approved by the board is the exception",
      action: "deploy.canary.start",
      release: { hotfix: true, sev1: true, approval: board },
      allowed: true,
      reasons: ["Freeze exception: SEV-1 hotfix approved by the governance board (Holiday freeze (Dec 24-26))"],
    },
    {
      name: "the exception also carries its steps",
      action: "deploy.step",
      release: { hotfix: true, sev1: true, approval: board },
      allowed: true,
    },
    {
      name: "hotfix that is not SEV-1 stays frozen",
      action: "deploy.canary.start",
      release: { hotfix: true, sev1: false, approval: board },
      allowed: false,
      reasons: [frozenHoliday],
    },
    {
      name: "SEV-1 hotfix without board approval stays frozen",
      action: "deploy.canary.start",
      release: { hotfix: true, sev1: true, approval: { satisfied: false, hotfixBoardApproved: false, missing: ["a second, different Governance Sentinel"] } },
      allowed: false,
      reasons: [frozenHoliday, "Missing approval: a second, different Governance Sentinel"],
    },
    {
      name: "a SEV-1 that is not a hotfix stays frozen",
      action: "deploy.canary.start",
      release: { hotfix: false, sev1: true, approval: { ...board, hotfixBoardApproved: true } },
      allowed: false,
    },
    { name: "monitor only records the freeze", action: "deploy.canary.start", mode: "monitor", allowed: true, reasons: [], wouldBlock: [frozenHoliday] },
    { name: "lockdown lists the freeze after the lockdown", action: "deploy.canary.start", mode: "lockdown", allowed: false, reasons: [BLOCK_MESSAGES.lockdown, frozenHoliday] },
  ])("$name", ({ action, at, env, mode, release, allowed, reasons, wouldBlock }) => {
    const now = at ?? XMAS;
    const d = decide(action, ctx({ now, mode, environment: env ?? production, overrides: allOverrides(now), release, actor: actorFor(action) }));
    expect(d.allowed).toBe(allowed);
    if (reasons) expect(d.reasons).toEqual(reasons);
    if (wouldBlock) expect(d.wouldBlock).toEqual(wouldBlock);
  });

  it("an ad hoc freeze and a default one are both listed", () => {
    const launch: CalendarWindow = { id: 9, kind: "freeze", name: "Launch", recurrence: "none", startsAt: XMAS - 3600_000, endsAt: XMAS + 3600_000 };
    const d = decide("deploy.promote", ctx({ now: XMAS, overrides: allOverrides(XMAS), windows: [...DEFAULTS, launch] }));
    expect(d.reasons).toEqual([
      "Production deploys are frozen: Holiday freeze (Dec 24-26) (until 2026-12-27T00:00:00.000Z)",
      "Production deploys are frozen: Launch (until 2026-12-25T13:00:00.000Z)",
    ]);
  });

  it("a maintenance window does not freeze", () => {
    const at = Date.UTC(2026, 11, 1, 3);
    expect(decide("deploy.canary.start", ctx({ now: at, overrides: allOverrides(at) })).allowed).toBe(true);
  });
});

describe("release approvals (governance: every mode)", () => {
  type Row = { mode: SecurityMode; env: typeof production; action: GatedAction; approval: Approval; allowed: boolean };
  const rows: Row[] = [];
  for (const mode of ["monitor", "enforce"] as const) {
    rows.push({ mode, env: production, action: "deploy.canary.start", approval: unapproved, allowed: false });
    rows.push({ mode, env: production, action: "deploy.canary.start", approval: approved, allowed: true });
    rows.push({ mode, env: staging, action: "deploy.canary.start", approval: unapproved, allowed: true });
    rows.push({ mode, env: production, action: "deploy.rollback", approval: unapproved, allowed: true });
    rows.push({ mode, env: production, action: "deploy.step", approval: unapproved, allowed: true });
  }
  it.each(rows)("$mode / $env.name / $action / satisfied $approval.satisfied -> $allowed", ({ mode, env, action, approval, allowed }) => {
    const d = decide(action, ctx({ mode, environment: env, release: { hotfix: false, sev1: false, approval }, actor: actorFor(action) }));
    expect(d.allowed).toBe(allowed);
    if (!allowed) {
      expect(d.reasons).toEqual(["Missing approval: Governance Sentinel approval", "Missing approval: Service owner approval"]);
      expect(d.requires).toEqual(["approval:Governance Sentinel approval", "approval:Service owner approval"]);
      expect(d.usedOverride).toBeUndefined();
    }
  });

  it("lockdown lists the missing approvals after the gate", () => {
    const d = decide("deploy.canary.start", ctx({ mode: "lockdown", release: { hotfix: false, sev1: false, approval: unapproved } }));
    expect(d.reasons).toEqual([BLOCK_MESSAGES.lockdown, "Missing approval: Governance Sentinel approval", "Missing approval: Service owner approval"]);
  });

  it("an unsatisfied approval with no missing items still blocks with a generic sentence", () => {
    const d = decide("deploy.canary.start", ctx({ release: { hotfix: false, sev1: false, approval: { satisfied: false, hotfixBoardApproved: false, missing: [] } } }));
    expect(d.reasons).toEqual(["Missing approval: production approval"]);
  });

  it("without a release (e.g. the API's bare canary start) only the gate applies", () => {
    expect(decide("deploy.canary.start", ctx()).allowed).toBe(true);
  });
});

describe("all reasons, in the stable order lockdown, threat, freeze, override, approvals", () => {
  const everything = (mode: SecurityMode): Decision =>
    decide(
      "deploy.canary.start",
      ctx({ now: XMAS, mode, threat: "critical", lockdownReason: "Threat level critical", overrides: [], release: { hotfix: false, sev1: false, approval: unapproved } }),
    );
  const gate = [
    "Action blocked by security gate: lockdown (Threat level critical)",
    "Action blocked by security gate: threat level critical",
    "Production deploys are frozen: Holiday freeze (Dec 24-26) (until 2026-12-27T00:00:00.000Z)",
    "Production actions require explicit override",
  ];
  const approvals = ["Missing approval: Governance Sentinel approval", "Missing approval: Service owner approval"];

  it("lockdown", () => {
    const d = everything("lockdown");
    expect(d.allowed).toBe(false);
    expect(d.reasons).toEqual([...gate, ...approvals]);
    expect(d.requires).toEqual(["override:deploy.canary.start@production", "approval:Governance Sentinel approval", "approval:Service owner approval"]);
  });

  it("enforce (no lockdown line)", () => {
    expect(everything("enforce").reasons).toEqual([...gate.slice(1), ...approvals]);
  });

  it("monitor: gate rules only in wouldBlock, approvals still block", () => {
    const d = everything("monitor");
    expect(d.allowed).toBe(false);
    expect(d.wouldBlock).toEqual(gate.slice(1));
    expect(d.reasons).toEqual(approvals);
    expect(d.requires).toEqual(["approval:Governance Sentinel approval", "approval:Service owner approval"]);
  });

  it("is deterministic", () => {
    expect(everything("enforce")).toEqual(everything("enforce"));
  });
});

it("an unknown action string fails closed", () => {
  const d = decide("deploy.everything" as GatedAction, ctx({ mode: "monitor" }));
  expect(d.allowed).toBe(false);
  expect(d.reasons).toEqual(["Action blocked by security gate: unknown action deploy.everything"]);
});

describe("scale", () => {
  it("handles 1,000 overrides and 1,000 windows correctly", () => {
    const overrides: OverrideRecord[] = Array.from({ length: 1000 }, (_, i) => ({
      id: i + 1,
      action: ["deploy.canary.start", "deploy.rollback", "deploy.promote", "load.shed"][i % 4]!,
      environment: i % 3 === 0 ? "production" : `env-${i % 7}`,
      expiresAt: i % 5 === 0 ? NOW - 1 : NOW + 3600_000,
      revokedAt: i % 11 === 0 ? NOW - 1 : null,
    }));
    const windows: CalendarWindow[] = Array.from({ length: 1000 }, (_, i) => ({
      id: i + 1,
      kind: i % 2 === 0 ? "freeze" : "maintenance",
      name: `W${i}`,
      recurrence: (["none", "yearly", "monthly_first_tuesday"] as const)[i % 3]!,
      startsAt: Date.UTC(2020 + (i % 10), i % 12, 1 + (i % 27), i % 24),
      endsAt: Date.UTC(2020 + (i % 10), i % 12, 1 + (i % 27), (i % 24) + 2),
    }));
    const d = decide("deploy.canary.start", ctx({ overrides, windows }));
    expect(d.reasons.every((r) => r.startsWith("Production deploys are frozen") || r === BLOCK_MESSAGES.overrideRequired)).toBe(true);
  });
});
