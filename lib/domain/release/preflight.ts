import type { Role } from "../roles";

/**
 * The pre-flight checklist of runbooks 001 and 004 (C1). `http` items probe the service's
 * health, `fact` items are checked against the release record (with an age where one applies),
 * `attestation` items are signed by a person holding `role`.
 */
export const PREFLIGHT_CHECKLIST: readonly { key: string; label: string; check: "http" | "fact" | "attestation"; role?: Role }[] = [
  { key: "quality_gates", label: "All quality gates passed on the release commit", check: "attestation", role: "release_captain" },
  { key: "change_log", label: "Change-log entry prepared with the deployment plan", check: "fact" },
  { key: "rollback_plan", label: "Rollback plan documented", check: "fact" },
  { key: "rollback_rehearsed", label: "Rollback rehearsed in staging", check: "attestation", role: "oncall" },
  { key: "oncall_notified", label: "On-call rotation notified with the deployment window", check: "attestation", role: "oncall" },
  { key: "backup_verified", label: "Backup taken within the last 24 hours and verified", check: "attestation", role: "oncall" },
  { key: "runbooks_updated", label: "Runbooks updated for new operational procedures", check: "attestation", role: "release_captain" },
  { key: "feature_freeze", label: "Feature freeze announced in #releases", check: "attestation", role: "release_captain" },
  { key: "migrations_confirmed", label: "Change log and migration list confirmed with feature owners", check: "attestation", role: "feature_owner" },
  { key: "environment_health", label: "Environments healthy and runtime config verified (HTTP probe)", check: "http" },
];

export const BACKUP_MAX_AGE_MS = 24 * 3600_000;

/** A recorded backup time passes only within 24 h (runbook 001: "--max-age=24h"). */
export function backupFresh(backupAt: number, now: number): { ok: boolean; detail: string } {
  const age = now - backupAt;
  if (!Number.isFinite(backupAt) || age < 0) return { ok: false, detail: "The backup time lies in the future." };
  const hours = Math.round((age / 3600_000) * 10) / 10;
  return age <= BACKUP_MAX_AGE_MS ? { ok: true, detail: `backup ${hours} h ago` } : { ok: false, detail: `backup ${hours} h ago is older than 24 h` };
}

/** Fact checks over the release record itself. */
export function factCheck(key: string, r: { changeLog: string; rollbackPlan: string }): { ok: boolean; detail: string } {
  if (key === "change_log") return r.changeLog.trim().length >= 10 ? { ok: true, detail: `${r.changeLog.trim().length} characters` } : { ok: false, detail: "The change-log entry is missing or too short." };
  if (key === "rollback_plan") return r.rollbackPlan.trim().length >= 10 ? { ok: true, detail: `${r.rollbackPlan.trim().length} characters` } : { ok: false, detail: "The rollback plan is missing or too short." };
  return { ok: false, detail: `No fact check named ${key}.` };
}
