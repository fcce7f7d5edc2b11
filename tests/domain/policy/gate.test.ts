import { describe, expect, it } from "vitest";
import {
  AUTO_LOCKDOWN_REASON,
  BLOCK_MESSAGES,
  GATE_CHANGE_MESSAGES,
  type GateChange,
  type GateState,
  type SecurityMode,
  THREAT_LEVELS,
  type ThreatLevel,
  autoLockdownState,
  gatedActionSchema,
  nextGateState,
  securityModeSchema,
  threatAtLeast,
  threatLevelSchema,
} from "@/lib/domain/policy/gate";
import { ROLES, type Role } from "@/lib/domain/roles";

const enforce: GateState = { mode: "enforce", threatLevel: "none", lockdownReason: null };
const locked: GateState = { mode: "lockdown", threatLevel: "none", lockdownReason: "Security incident investigation" };
const lockedCritical: GateState = { mode: "lockdown", threatLevel: "critical", lockdownReason: AUTO_LOCKDOWN_REASON };
const SEC: Role[] = ["security"];

describe("schemas", () => {
  it.each(["monitor", "enforce", "lockdown"])("mode %s parses", (m) => expect(securityModeSchema.parse(m)).toBe(m));
  it.each(["off", "", "LOCKDOWN"])("mode %j is refused", (m) => expect(securityModeSchema.safeParse(m).success).toBe(false));
  it.each(THREAT_LEVELS)("threat %s parses", (t) => expect(threatLevelSchema.parse(t)).toBe(t));
  it("unknown action is refused", () => expect(gatedActionSchema.safeParse("deploy.everything").success).toBe(false));
  it.each<[ThreatLevel, boolean]>([
    ["none", false],
    ["low", false],
    ["medium", false],
    ["high", true],
    ["critical", true],
  ])("threatAtLeast(%s, high) = %s", (t, v) => expect(threatAtLeast(t, "high")).toBe(v));
});

describe("BLOCK_MESSAGES (E6 wording)", () => {
  it("keeps the runbook sentences", () => {
    expect(BLOCK_MESSAGES.lockdown).toBe("Action blocked by security gate: lockdown");
    expect(BLOCK_MESSAGES.overrideRequired).toBe("Production actions require explicit override");
    expect(BLOCK_MESSAGES.threat("high")).toBe("Action blocked by security gate: threat level high");
  });
  it.each([
    [null, "Action blocked by security gate: lockdown"],
    ["", "Action blocked by security gate: lockdown"],
    ["  ", "Action blocked by security gate: lockdown"],
    ["Security incident investigation", "Action blocked by security gate: lockdown (Security incident investigation)"],
  ])("lockdown with reason %j", (reason, text) => expect(BLOCK_MESSAGES.lockdownWithReason(reason)).toBe(text));
});

describe("nextGateState", () => {
  it.each(ROLES.filter((r) => r !== "security"))("%s may not change the mode or threat level", (role) => {
    expect(nextGateState(enforce, { mode: "monitor" }, [role])).toEqual({ ok: false, reason: GATE_CHANGE_MESSAGES.securityOnly });
    expect(nextGateState(enforce, { threatLevel: "high" }, [role])).toEqual({ ok: false, reason: GATE_CHANGE_MESSAGES.securityOnly });
    expect(nextGateState(locked, { mode: "enforce" }, [role])).toEqual({ ok: false, reason: GATE_CHANGE_MESSAGES.securityOnly });
  });

  it("every non-security role together still may not exit lockdown", () => {
    const r = nextGateState(locked, { mode: "enforce" }, ROLES.filter((x) => x !== "security"));
    expect(r.ok).toBe(false);
  });

  type Row = { name: string; from: GateState; change: GateChange; roles?: Role[]; next?: GateState; auto?: boolean; refused?: string };
  it.each<Row>([
    { name: "enforce -> monitor", from: enforce, change: { mode: "monitor" }, next: { mode: "monitor", threatLevel: "none", lockdownReason: null }, auto: false },
    { name: "monitor -> enforce", from: { ...enforce, mode: "monitor" }, change: { mode: "enforce" }, next: enforce, auto: false },
    {
      name: "enter lockdown with a reason",
      from: enforce,
      change: { mode: "lockdown", reason: "  Security incident investigation " },
      next: locked,
      auto: false,
    },
    { name: "enter lockdown without a reason", from: enforce, change: { mode: "lockdown" }, refused: GATE_CHANGE_MESSAGES.lockdownNeedsReason },
    { name: "enter lockdown with a blank reason", from: enforce, change: { mode: "lockdown", reason: "   " }, refused: GATE_CHANGE_MESSAGES.lockdownNeedsReason },
    { name: "security exits lockdown", from: locked, change: { mode: "enforce" }, next: enforce, auto: false },
    { name: "security exits lockdown to monitor", from: locked, change: { mode: "monitor" }, next: { ...enforce, mode: "monitor" }, auto: false },
    { name: "lockdown -> lockdown keeps the reason", from: locked, change: { mode: "lockdown" }, next: locked, auto: false },
    {
      name: "lockdown -> lockdown with a new reason",
      from: locked,
      change: { mode: "lockdown", reason: "Widened scope" },
      next: { ...locked, lockdownReason: "Widened scope" },
      auto: false,
    },
    { name: "threat high keeps enforce", from: enforce, change: { threatLevel: "high" }, next: { ...enforce, threatLevel: "high" }, auto: false },
    {
      name: "threat critical -> automatic lockdown",
      from: enforce,
      change: { threatLevel: "critical" },
      next: { mode: "lockdown", threatLevel: "critical", lockdownReason: "Threat level critical" },
      auto: true,
    },
    {
      name: "threat critical with a reason -> automatic lockdown citing it",
      from: { ...enforce, mode: "monitor" },
      change: { threatLevel: "critical", reason: "CVE-2026-1234 exploited" },
      next: { mode: "lockdown", threatLevel: "critical", lockdownReason: "Threat level critical: CVE-2026-1234 exploited" },
      auto: true,
    },
    {
      name: "threat critical while already in lockdown keeps its reason, no auto flag",
      from: locked,
      change: { threatLevel: "critical" },
      next: { ...locked, threatLevel: "critical" },
      auto: false,
    },
    {
      name: "explicit lockdown + critical at once",
      from: enforce,
      change: { mode: "lockdown", threatLevel: "critical", reason: "Breach" },
      next: { mode: "lockdown", threatLevel: "critical", lockdownReason: "Breach" },
      auto: false,
    },
    { name: "leaving lockdown while critical", from: lockedCritical, change: { mode: "enforce" }, refused: GATE_CHANGE_MESSAGES.criticalKeepsLockdown },
    { name: "leaving lockdown to monitor while critical", from: lockedCritical, change: { mode: "monitor" }, refused: GATE_CHANGE_MESSAGES.criticalKeepsLockdown },
    {
      name: "asking for enforce and critical at once",
      from: enforce,
      change: { mode: "enforce", threatLevel: "critical" },
      refused: GATE_CHANGE_MESSAGES.criticalKeepsLockdown,
    },
    {
      name: "lowering the threat stays in lockdown (only an explicit exit leaves it)",
      from: lockedCritical,
      change: { threatLevel: "medium" },
      next: { ...lockedCritical, threatLevel: "medium" },
      auto: false,
    },
    {
      name: "lower the threat and exit in one change",
      from: lockedCritical,
      change: { threatLevel: "low", mode: "enforce" },
      next: { mode: "enforce", threatLevel: "low", lockdownReason: null },
      auto: false,
    },
    { name: "security with other roles too", from: locked, change: { mode: "enforce" }, roles: ["viewer", "security"], next: enforce, auto: false },
    { name: "unknown mode", from: enforce, change: { mode: "off" as SecurityMode }, refused: GATE_CHANGE_MESSAGES.unknownMode },
    { name: "unknown threat", from: enforce, change: { threatLevel: "severe" as ThreatLevel }, refused: GATE_CHANGE_MESSAGES.unknownThreat },
    { name: "empty change is a no-op", from: enforce, change: {}, next: enforce, auto: false },
  ])("$name", ({ from, change, roles, next, auto, refused }) => {
    const r = nextGateState(from, change, roles ?? SEC);
    if (refused) expect(r).toEqual({ ok: false, reason: refused });
    else expect(r).toEqual({ ok: true, next, autoLockdown: auto });
  });

  it("the refusal text names the runbook rule", () => {
    expect(GATE_CHANGE_MESSAGES.criticalKeepsLockdown).toBe("Lower the threat level below critical before leaving lockdown");
  });
});

describe("autoLockdownState (critical incident, E5)", () => {
  it.each<[GateState, string, GateState]>([
    [enforce, "Critical incident INC-9", { mode: "lockdown", threatLevel: "none", lockdownReason: "Critical incident INC-9" }],
    [{ ...enforce, mode: "monitor" }, "  ", { mode: "lockdown", threatLevel: "none", lockdownReason: AUTO_LOCKDOWN_REASON }],
    [locked, "Critical incident INC-9", locked],
  ])("%j + %j", (from, reason, next) => expect(autoLockdownState(from, reason)).toEqual(next));
});
