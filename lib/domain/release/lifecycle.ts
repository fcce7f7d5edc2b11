import type { Role } from "../roles";

/** Release phases of REQUIREMENTS B3, in stepper order, then the two ends besides completion. */
export const RELEASE_PHASES = ["preflight", "staging_deploy", "staging_soak", "production_approval", "production_rollout", "monitoring", "completed"] as const;
export const RELEASE_ENDS = ["aborted", "rolled_back"] as const;
export type ReleasePhase = (typeof RELEASE_PHASES)[number] | (typeof RELEASE_ENDS)[number];

export const PHASE_LABELS: Record<ReleasePhase, string> = {
  preflight: "Pre-flight",
  staging_deploy: "Staging deploy",
  staging_soak: "Staging soak",
  production_approval: "Production approval",
  production_rollout: "Production rollout",
  monitoring: "Monitoring window",
  completed: "Completed",
  aborted: "Aborted",
  rolled_back: "Rolled back",
};

/** Runbook 001: 24 h soak recommended, 15 min for hotfixes; monitoring 15 min / 1 h / 24 h. */
export const SOAK_MINUTES = { normal: 1440, hotfix: 15 } as const;
export const MONITORING_CHOICES = [15, 60, 1440] as const;

/** The captain's clicks on a release; the worker moves it on by itself when a rollout finishes. */
export const RELEASE_COMMANDS = ["deploy_staging", "request_approval", "start_production", "complete", "abort"] as const;
export type ReleaseCommand = (typeof RELEASE_COMMANDS)[number];

export const LIVE_PHASES: readonly ReleasePhase[] = ["preflight", "staging_deploy", "staging_soak", "production_approval", "production_rollout", "monitoring"];

export interface ReleaseFactsForStep {
  phase: ReleasePhase;
  now: number;
  phaseEnteredAt: number;
  soakMinutes: number;
  monitoringMinutes: number;
  preflight: { total: number; passed: number; failing: string[] };
  /** Smoke sign-off of the staging deploy by a feature owner (D3). */
  smokeSignedOff: boolean;
  /** A live rollout of this release, if any. */
  liveRollout: boolean;
  /** The captain may cut the soak short, with a reason that is audited. */
  cutSoakShortReason?: string;
}

export type StepCheck = { ok: true; next: ReleasePhase; note?: string } | { ok: false; reason: string };

/**
 * Which command may run in which phase and what it needs (pure; the services add policy and
 * approvals). Every refusal says what is missing.
 */
export function checkCommand(command: ReleaseCommand, f: ReleaseFactsForStep): StepCheck {
  const wrongPhase = (want: ReleasePhase): StepCheck => ({ ok: false, reason: `This release is in ${PHASE_LABELS[f.phase]}; that needs ${PHASE_LABELS[want]}.` });
  switch (command) {
    case "deploy_staging":
      // Also from staging_deploy: a staging rollout that was rolled back can be tried again.
      if (f.phase !== "preflight" && f.phase !== "staging_deploy") return wrongPhase("preflight");
      if (f.liveRollout) return { ok: false, reason: "A rollout of this release is still running." };
      if (f.preflight.passed < f.preflight.total) return { ok: false, reason: `Pre-flight is not complete: ${f.preflight.failing.join(", ")}.` };
      return { ok: true, next: "staging_deploy" };
    case "request_approval": {
      if (f.phase !== "staging_soak" && f.phase !== "production_approval") return wrongPhase("staging_soak");
      if (!f.smokeSignedOff) return { ok: false, reason: "A feature owner has not signed off the staging smoke tests yet." };
      const soakLeft = f.phaseEnteredAt + f.soakMinutes * 60_000 - f.now;
      if (f.phase === "staging_soak" && soakLeft > 0 && !f.cutSoakShortReason) {
        return { ok: false, reason: `The staging soak has ${Math.ceil(soakLeft / 60_000)} min left; give a reason to end it early.` };
      }
      const note = f.phase === "staging_soak" && soakLeft > 0 ? `Soak ended ${Math.ceil(soakLeft / 60_000)} min early: ${f.cutSoakShortReason}` : undefined;
      return { ok: true, next: "production_approval", note };
    }
    case "start_production":
      if (f.phase !== "production_approval") return wrongPhase("production_approval");
      if (f.liveRollout) return { ok: false, reason: "A rollout of this release is still running." };
      // An edit after the sign-off voided it and asked for it again (D3, D4).
      if (!f.smokeSignedOff) return { ok: false, reason: "A feature owner has not signed off the staging smoke tests yet." };
      return { ok: true, next: "production_rollout" };
    case "complete": {
      if (f.phase !== "monitoring") return wrongPhase("monitoring");
      const left = f.phaseEnteredAt + f.monitoringMinutes * 60_000 - f.now;
      if (left > 0) return { ok: false, reason: `The monitoring window has ${Math.ceil(left / 60_000)} min left.` };
      return { ok: true, next: "completed" };
    }
    case "abort":
      if (!LIVE_PHASES.includes(f.phase)) return { ok: false, reason: `A release that is ${PHASE_LABELS[f.phase].toLowerCase()} cannot be aborted.` };
      return { ok: true, next: "aborted" };
  }
}

/** Where a release goes when one of its rollouts ends (the worker applies it). */
export function afterRollout(phase: ReleasePhase, environment: { production: boolean }, outcome: "succeeded" | "rolled_back"): ReleasePhase | null {
  if (!environment.production && phase === "staging_deploy") return outcome === "succeeded" ? "staging_soak" : null;
  if (environment.production && phase === "production_rollout") return outcome === "succeeded" ? "monitoring" : "rolled_back";
  return null;
}

const STAGING_PHASES: readonly ReleasePhase[] = ["preflight", "staging_deploy", "staging_soak"];

/** Production steps are for release captains; developers drive releases in staging only (B2), aborting included. */
export function mayDrive(command: ReleaseCommand, roles: readonly Role[], phase: ReleasePhase): boolean {
  if (roles.includes("release_captain")) return true;
  if (!roles.includes("developer")) return false;
  return command === "deploy_staging" || (command === "abort" && STAGING_PHASES.includes(phase));
}
