import { z } from "zod";
import type { Role } from "@/lib/domain/roles";

/** Security modes of runbook 003 (E1). */
export const SECURITY_MODES = ["monitor", "enforce", "lockdown"] as const;
export type SecurityMode = (typeof SECURITY_MODES)[number];
export const securityModeSchema = z.enum(SECURITY_MODES);

/** Threat levels, lowest first: the order is used by `threatAtLeast`. */
export const THREAT_LEVELS = ["none", "low", "medium", "high", "critical"] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];
export const threatLevelSchema = z.enum(THREAT_LEVELS);

export const GATED_ACTIONS = [
  "deploy.canary.start", // start any rollout (canary / blue-green / rolling) in an environment
  "deploy.step", // the worker executing the next step of a running rollout (traffic shift, promote)
  "deploy.promote", // captain's "promote now"
  "deploy.rollback", // a manual rollback / abort (captain or on-call)
  "deploy.auto_rollback", // automatic safety abort by canary analysis
  "health.probe",
  "incident.escalate",
  "load.shed",
] as const;
export type GatedAction = (typeof GATED_ACTIONS)[number];
export const gatedActionSchema = z.enum(GATED_ACTIONS);

/** Actions an override can be created for. */
export const OVERRIDABLE_ACTIONS = ["deploy.canary.start", "deploy.promote", "deploy.rollback", "load.shed"] as const;
export type OverridableAction = (typeof OVERRIDABLE_ACTIONS)[number];
export const overridableActionSchema = z.enum(OVERRIDABLE_ACTIONS);

/** Actions the lockdown and a high threat block (runbook 003 "What Works During Lockdown"). */
export const GATE_BLOCKABLE_ACTIONS = ["deploy.canary.start", "deploy.step", "deploy.promote", "deploy.rollback", "load.shed"] as const;

export const ACTION_LABELS: Record<GatedAction, string> = {
  "deploy.canary.start": "Start rollout",
  "deploy.step": "Rollout step",
  "deploy.promote": "Promote now",
  "deploy.rollback": "Manual rollback",
  "deploy.auto_rollback": "Automatic safety abort",
  "health.probe": "Health probe",
  "incident.escalate": "Incident escalation",
  "load.shed": "Load shedding",
};

/**
 * Every sentence the gate shows (E6). Services and the UI show them verbatim, and tests match
 * the fixed prefixes, so change them only together with their tests.
 */
export const BLOCK_MESSAGES = {
  lockdown: "Action blocked by security gate: lockdown",
  /** The lockdown message with the reason security gave, e.g. "... lockdown (Security incident investigation)". */
  lockdownWithReason: (reason: string | null | undefined): string =>
    reason && reason.trim() ? `${BLOCK_MESSAGES.lockdown} (${reason.trim()})` : BLOCK_MESSAGES.lockdown,
  overrideRequired: "Production actions require explicit override",
  threat: (level: ThreatLevel): string => `Action blocked by security gate: threat level ${level}`,
  overrideExpired: (action: string, environment: string): string =>
    `Override for ${action} in ${environment} expired; create a new override to continue`,
  overrideRevoked: (action: string, environment: string): string =>
    `Override for ${action} in ${environment} was revoked; create a new override to continue`,
  frozen: (windowName: string, endIso: string): string => `Production deploys are frozen: ${windowName} (until ${endIso})`,
  freezeException: (windowName: string): string =>
    `Freeze exception: SEV-1 hotfix approved by the governance board (${windowName})`,
  missingApproval: (item: string): string => `Missing approval: ${item}`,
  autoRollbackInLockdown: "Automatic safety abort allowed during lockdown",
  unknownAction: (action: string): string => `Action blocked by security gate: unknown action ${action}`,
  autoRollbackSystemOnly: "Automatic safety aborts are started by canary analysis only; use a manual rollback instead",
} as const;

/** Messages of `nextGateState` refusals (tested verbatim). */
export const GATE_CHANGE_MESSAGES = {
  securityOnly: "Only the Security team may change the security mode or threat level.",
  lockdownNeedsReason: "Give a reason for entering lockdown.",
  criticalKeepsLockdown: "Lower the threat level below critical before leaving lockdown",
  unknownMode: "Unknown security mode.",
  unknownThreat: "Unknown threat level.",
} as const;

export const AUTO_LOCKDOWN_REASON = "Threat level critical";

export interface GateState {
  mode: SecurityMode;
  threatLevel: ThreatLevel;
  lockdownReason: string | null;
}

export const DEFAULT_GATE_STATE: GateState = { mode: "enforce", threatLevel: "none", lockdownReason: null };

export function threatAtLeast(level: ThreatLevel, min: ThreatLevel): boolean {
  return THREAT_LEVELS.indexOf(level) >= THREAT_LEVELS.indexOf(min);
}

export type GateChange = { mode?: SecurityMode; threatLevel?: ThreatLevel; reason?: string };
export type GateChangeResult = { ok: true; next: GateState; autoLockdown: boolean } | { ok: false; reason: string };

/** Setting the mode: only security may exit lockdown; entering lockdown needs a reason; threat critical forces lockdown. */
export function nextGateState(current: GateState, change: GateChange, actorRoles: readonly Role[]): GateChangeResult {
  // E5: mode and threat level are the Security team's alone (admins included only if they hold it).
  if (!actorRoles.includes("security")) return { ok: false, reason: GATE_CHANGE_MESSAGES.securityOnly };
  if (change.mode !== undefined && !securityModeSchema.safeParse(change.mode).success) {
    return { ok: false, reason: GATE_CHANGE_MESSAGES.unknownMode };
  }
  if (change.threatLevel !== undefined && !threatLevelSchema.safeParse(change.threatLevel).success) {
    return { ok: false, reason: GATE_CHANGE_MESSAGES.unknownThreat };
  }
  const threatLevel = change.threatLevel ?? current.threatLevel;
  const requested = change.mode ?? current.mode;
  const reason = change.reason?.trim() ? change.reason.trim() : null;

  if (threatLevel === "critical") {
    // A critical threat always means lockdown; asking for another mode at the same time is refused.
    if (requested !== "lockdown" && change.mode !== undefined) {
      return { ok: false, reason: GATE_CHANGE_MESSAGES.criticalKeepsLockdown };
    }
    if (current.mode === "lockdown") {
      return { ok: true, next: { mode: "lockdown", threatLevel, lockdownReason: reason ?? current.lockdownReason }, autoLockdown: false };
    }
    if (change.mode === "lockdown") {
      if (!reason) return { ok: false, reason: GATE_CHANGE_MESSAGES.lockdownNeedsReason };
      return { ok: true, next: { mode: "lockdown", threatLevel, lockdownReason: reason }, autoLockdown: false };
    }
    const auto = reason ? `${AUTO_LOCKDOWN_REASON}: ${reason}` : AUTO_LOCKDOWN_REASON;
    return { ok: true, next: { mode: "lockdown", threatLevel, lockdownReason: auto }, autoLockdown: true };
  }

  if (requested === "lockdown") {
    if (current.mode !== "lockdown" && !reason) return { ok: false, reason: GATE_CHANGE_MESSAGES.lockdownNeedsReason };
    return { ok: true, next: { mode: "lockdown", threatLevel, lockdownReason: reason ?? current.lockdownReason }, autoLockdown: false };
  }
  return { ok: true, next: { mode: requested, threatLevel, lockdownReason: null }, autoLockdown: false };
}

/**
 * Lockdown entered by the system (E5: a critical incident is opened). No role check: the caller
 * is the incident service, which records the trigger in the audit trail.
 */
export function autoLockdownState(current: GateState, reason: string): GateState {
  if (current.mode === "lockdown") return current;
  return { mode: "lockdown", threatLevel: current.threatLevel, lockdownReason: reason.trim() || AUTO_LOCKDOWN_REASON };
}
