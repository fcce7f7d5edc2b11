/**
 * The security gate's decision for one action (runbook 003, E1-E6, F1, D1-D2).
 *
 * | # | Rule                          | Actions                                   | monitor    | enforce | lockdown |
 * |---|-------------------------------|-------------------------------------------|------------|---------|----------|
 * | 1 | always allowed                | health.probe, incident.escalate           | allow      | allow   | allow    |
 * | 2 | safety abort (system only)    | deploy.auto_rollback                      | allow      | allow   | allow + note |
 * | 3 | lockdown                      | canary.start, step, promote, rollback, load.shed | -   | -       | block    |
 * | 4 | threat high / critical        | same five                                 | wouldBlock | block   | block    |
 * | 5 | production override           | canary.start, rollback: own override;     | wouldBlock | block   | block    |
 * |   |                               | step: canary.start override; promote:     |            |         |          |
 * |   |                               | promote or canary.start override          |            |         |          |
 * | 6 | freeze (production)           | canary.start, step, promote; SEV-1 hotfix | wouldBlock | block   | block    |
 * |   |                               | with board approval -> allow + note       |            |         |          |
 * | 7 | release approvals (D1, D2)    | canary.start in production with a release | block      | block   | block    |
 *
 * Rules 3-6 are the security gate: monitor only records them in `wouldBlock`. Rule 7 is
 * governance, not the gate, so it holds in every mode. Overrides never lift rules 3, 4, 6 or 7.
 * Reasons are gathered, not short-circuited, in the order lockdown, threat, freeze, override,
 * approvals, so the person sees everything that stands in the way at once.
 */
import type { Role } from "@/lib/domain/roles";
import { type CalendarWindow, activeWindows } from "@/lib/domain/windows/calendar";
import { BLOCK_MESSAGES, GATE_BLOCKABLE_ACTIONS, type GateState, type GatedAction, type SecurityMode, threatAtLeast } from "./gate";
import { type OverrideRecord, activeOverrideFor, lapsedOverrideState } from "./overrides";

export interface PolicyContext {
  now: number;
  environment: { name: string; production: boolean };
  gate: GateState;
  overrides: readonly OverrideRecord[];
  windows: readonly CalendarWindow[];
  actor: { kind: "user" | "system"; roles: readonly Role[] };
  /** Present when the action belongs to a release. */
  release?: { hotfix: boolean; sev1: boolean; approval: { satisfied: boolean; hotfixBoardApproved: boolean; missing: string[] } };
}

export interface Decision {
  allowed: boolean;
  reasons: string[];
  requires: string[];
  /** monitor mode: what enforce would have blocked */
  wouldBlock: string[];
  mode: SecurityMode;
  usedOverride?: number;
  safetyAbort?: boolean;
}

const FREEZABLE: ReadonlySet<GatedAction> = new Set(["deploy.canary.start", "deploy.step", "deploy.promote"]);
const GATE_BLOCKABLE: ReadonlySet<GatedAction> = new Set(GATE_BLOCKABLE_ACTIONS);

/** The `requires` key for an override, e.g. "override:deploy.rollback@production". */
export function overrideRequirement(action: string, environment: string): string {
  return `override:${action}@${environment}`;
}

/** The `requires` key for a missing approval, e.g. "approval:Governance Sentinel approval". */
export function approvalRequirement(missing: string): string {
  return `approval:${missing}`;
}

interface Finding {
  text: string;
  /** false for informational notes (freeze exception), which never block. */
  blocks: boolean;
  require?: string;
}

function overrideFinding(action: GatedAction, ctx: PolicyContext): { finding?: Finding; used?: number } {
  const env = ctx.environment.name;
  const find = (a: string) => activeOverrideFor(ctx.overrides, a, env, ctx.now);
  if (action === "deploy.canary.start" || action === "deploy.rollback") {
    const o = find(action);
    if (o) return { used: o.id };
    return { finding: { text: BLOCK_MESSAGES.overrideRequired, blocks: true, require: overrideRequirement(action, env) } };
  }
  if (action === "deploy.step" || action === "deploy.promote") {
    // A running rollout lives on its start override (E3): once it lapses, no new step or promotion.
    const o = (action === "deploy.promote" ? find("deploy.promote") : undefined) ?? find("deploy.canary.start");
    if (o) return { used: o.id };
    const state = lapsedOverrideState(ctx.overrides, "deploy.canary.start", env, ctx.now);
    const text =
      state === "expired"
        ? BLOCK_MESSAGES.overrideExpired("deploy.canary.start", env)
        : state === "revoked"
          ? BLOCK_MESSAGES.overrideRevoked("deploy.canary.start", env)
          : BLOCK_MESSAGES.overrideRequired;
    return { finding: { text, blocks: true, require: overrideRequirement("deploy.canary.start", env) } };
  }
  return {}; // load.shed needs no override outside lockdown
}

export function decide(action: GatedAction, ctx: PolicyContext): Decision {
  const mode = ctx.gate.mode;
  const base: Decision = { allowed: true, reasons: [], requires: [], wouldBlock: [], mode };

  if (action === "health.probe" || action === "incident.escalate") return base;

  if (action === "deploy.auto_rollback") {
    // The lockdown exemption belongs to canary analysis alone; a person aborting uses deploy.rollback.
    if (ctx.actor.kind !== "system") return { ...base, allowed: false, reasons: [BLOCK_MESSAGES.autoRollbackSystemOnly] };
    return { ...base, safetyAbort: true, reasons: mode === "lockdown" ? [BLOCK_MESSAGES.autoRollbackInLockdown] : [] };
  }

  // Unreachable for a typed caller; an unknown action string from outside fails closed.
  if (!GATE_BLOCKABLE.has(action)) return { ...base, allowed: false, reasons: [BLOCK_MESSAGES.unknownAction(String(action))] };

  const gate: Finding[] = [];
  if (mode === "lockdown") gate.push({ text: BLOCK_MESSAGES.lockdownWithReason(ctx.gate.lockdownReason), blocks: true });
  if (threatAtLeast(ctx.gate.threatLevel, "high")) gate.push({ text: BLOCK_MESSAGES.threat(ctx.gate.threatLevel), blocks: true });

  if (ctx.environment.production && FREEZABLE.has(action)) {
    const frozen = activeWindows(ctx.windows, "freeze", ctx.now);
    if (frozen.length > 0) {
      const r = ctx.release;
      const exception = r !== undefined && r.hotfix && r.sev1 && r.approval.hotfixBoardApproved;
      for (const f of frozen) {
        gate.push(
          exception
            ? { text: BLOCK_MESSAGES.freezeException(f.window.name), blocks: false }
            : { text: BLOCK_MESSAGES.frozen(f.window.name, new Date(f.end).toISOString()), blocks: true },
        );
      }
    }
  }

  let usedOverride: number | undefined;
  if (ctx.environment.production) {
    const o = overrideFinding(action, ctx);
    if (o.finding) gate.push(o.finding);
    usedOverride = o.used;
  }

  const governance: Finding[] = [];
  if (ctx.release && action === "deploy.canary.start" && ctx.environment.production && !ctx.release.approval.satisfied) {
    const missing = ctx.release.approval.missing.length > 0 ? ctx.release.approval.missing : ["production approval"];
    for (const m of missing) governance.push({ text: BLOCK_MESSAGES.missingApproval(m), blocks: true, require: approvalRequirement(m) });
  }

  const reasons: string[] = [];
  const requires: string[] = [];
  const wouldBlock: string[] = [];
  let blocked = false;
  for (const f of gate) {
    if (!f.blocks) reasons.push(f.text);
    else if (mode === "monitor") wouldBlock.push(f.text);
    else {
      blocked = true;
      reasons.push(f.text);
      if (f.require) requires.push(f.require);
    }
  }
  for (const f of governance) {
    blocked = true;
    reasons.push(f.text);
    if (f.require) requires.push(f.require);
  }
  const decision: Decision = { allowed: !blocked, reasons, requires, wouldBlock, mode };
  if (!blocked && usedOverride !== undefined) decision.usedOverride = usedOverride;
  return decision;
}
