/**
 * Post-rollback verification and the release change log (REQUIREMENTS K2, runbook 001): which
 * version a completed rollback restored, how a probe of it reads, when to retry, and the texts
 * the audit trail, the incident timeline and the release's change log carry. Pure.
 */

/** Attempts of one verification (each probes health and smoke once), spaced by RETRY_MS. */
export const VERIFY_ATTEMPTS = 3;
export const VERIFY_RETRY_MS = 5_000;
/** Per-request bound of a smoke probe and of the driver's status call. */
export const VERIFY_TIMEOUT_MS = 3_000;

/** One probe of the restored version: the driver's health of the stable version, or one smoke URL. */
export interface VerificationProbe {
  kind: "health" | "smoke";
  ok: boolean;
  detail: string;
  /** Smoke: the URL asked and its HTTP status (null: no answer). */
  url?: string;
  status?: number | null;
  ms?: number;
  /** Health: the version the driver reports as stable and whether it is healthy. */
  version?: string;
  healthy?: boolean;
}

/** What a completed rollout says about a rollback: the version taken out and the one that should serve now. */
export interface RollbackOutcome {
  bad: string;
  restored: string;
}

/**
 * A rollback ends as `rolled_back` (abort: fromVersion serves again) or as a succeeded redeploy of
 * the earlier version (started with rollback: true: toVersion is the restored one). Anything else,
 * or a rollback with nothing to restore (a first rollout), is not a rollback to verify.
 */
export function rollbackOutcome(r: { status: string; fromVersion: string | null; toVersion: string }, redeploy: boolean): RollbackOutcome | null {
  if (r.status === "rolled_back") return r.fromVersion ? { bad: r.toVersion, restored: r.fromVersion } : null;
  if (r.status === "succeeded" && redeploy && r.fromVersion) return { bad: r.fromVersion, restored: r.toVersion };
  return null;
}

/** The driver's view of the stable version, as the verification reads it. */
export function healthProbe(
  status: { versions: readonly { version: string; role: "stable" | "canary"; healthy: boolean; detail: string }[] },
  restored: string,
  opts: { perVersionHealth: boolean },
): VerificationProbe {
  const stable = status.versions.find((v) => v.role === "stable");
  if (!stable) {
    // Drivers that run commands (kubectl, helm) answer status without per-version health.
    return opts.perVersionHealth
      ? { kind: "health", ok: false, detail: `no stable version runs (expected ${restored})` }
      : { kind: "health", ok: true, detail: "status answered (the driver reports no per-version health)" };
  }
  const base = { kind: "health" as const, version: stable.version, healthy: stable.healthy };
  if (stable.version !== restored) return { ...base, ok: false, detail: `stable is ${stable.version}, expected ${restored}` };
  if (!stable.healthy) return { ...base, ok: false, detail: `${stable.version} is down: ${stable.detail}` };
  return { ...base, ok: true, detail: `${stable.version} healthy (${stable.detail})` };
}

export const probesPass = (probes: readonly VerificationProbe[]): boolean => probes.length > 0 && probes.every((p) => p.ok);

/** After an attempt: passed, another attempt later, or failed for good. */
export function afterAttempt(attempt: number, maxAttempts: number, probes: readonly VerificationProbe[]): "passed" | "retry" | "failed" {
  if (probesPass(probes)) return "passed";
  return attempt < maxAttempts ? "retry" : "failed";
}

/** One probe as a log line / a clause: "smoke http://127.0.0.1:22010/health: HTTP 200 (4 ms)". */
export function describeProbe(p: VerificationProbe): string {
  if (p.kind === "health") return `health: ${p.detail}`;
  return `smoke ${p.url ?? ""}: ${p.detail}${p.ms !== undefined ? ` (${p.ms} ms)` : ""}`;
}

export const describeProbes = (probes: readonly VerificationProbe[]): string => probes.map(describeProbe).join("; ");

/** The incident timeline's entry for the outcome. */
export function verificationTimelineText(outcome: "passed" | "failed", restored: string, environment: string, probes: readonly VerificationProbe[], attempts: number): string {
  const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  return outcome === "passed"
    ? `Service restored: verification passed (${restored} in ${environment}; ${describeProbes(probes)}).`
    : `Verification after rollback FAILED after ${tries}: ${restored} in ${environment} does not serve (${describeProbes(probes.filter((p) => !p.ok))}).`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";

/** The original deploy of a version: the rollout that last put it in place. */
export interface OriginalDeploy {
  id: number;
  toVersion: string;
  finishedAt: number | null;
}

/** "Deployed sample-api 1.1.0 to production (rollout #9), replacing 1.0.0." */
export function deployedChangelogText(r: { id: number; service: string; fromVersion: string | null; toVersion: string }, environment: string): string {
  return `Deployed ${r.service} ${r.toVersion} to ${environment} (rollout #${r.id})${r.fromVersion ? `, replacing ${r.fromVersion}` : ""}.`;
}

/**
 * "Rolled back 1.1.0 -> 1.0.0 in production (rollout #12); original deploy: rollout #9 of 1.0.0 on
 * 2026-06-10 12:00 UTC." A first rollout rolled back restored nothing: it says so.
 */
export function rolledBackChangelogText(
  r: { id: number; service: string },
  o: { bad: string; restored: string | null },
  environment: string,
  original: OriginalDeploy | undefined,
): string {
  if (o.restored === null) return `Rolled back ${r.service} ${o.bad} in ${environment} (rollout #${r.id}); no earlier version was running.`;
  const origin = original
    ? `original deploy: rollout #${original.id} of ${original.toVersion}${original.finishedAt !== null ? ` on ${day(original.finishedAt)}` : ""}`
    : `original deploy of ${o.restored}: not on record`;
  return `Rolled back ${r.service} ${o.bad} -> ${o.restored} in ${environment} (rollout #${r.id}); ${origin}.`;
}
