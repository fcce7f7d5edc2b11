import { PHASE_LABELS, type ReleasePhase } from "./lifecycle";

/**
 * Editing a release (issue 14, item 2): what may change in which phase, and what changed. Until
 * staging, everything; once a build reached staging, only the words and timings around it (what
 * staging tested is fixed: another build is another release).
 */
export const EDITABLE_PHASES: readonly ReleasePhase[] = ["preflight", "staging_deploy", "staging_soak", "production_approval"];

export const EDIT_FIELDS = ["version", "commitSha", "changeLog", "rollbackPlan", "strategy", "migrations", "hotfix", "sev1", "soakMinutes", "monitoringMinutes"] as const;
export type EditField = (typeof EDIT_FIELDS)[number];

export const EDIT_LABELS: Record<EditField, string> = {
  version: "Version",
  commitSha: "Commit",
  changeLog: "Change-log entry",
  rollbackPlan: "Rollback plan",
  strategy: "Strategy",
  migrations: "Migrations",
  hotfix: "Emergency hotfix",
  sev1: "SEV-1",
  soakMinutes: "Staging soak (minutes)",
  monitoringMinutes: "Monitoring window (minutes)",
};

/** Fields fixed once the build went to staging. */
const FROZEN_AFTER_PREFLIGHT: readonly EditField[] = ["version", "commitSha", "strategy", "migrations", "hotfix", "sev1"];

/** The fields `phase` lets a captain change. */
export function editableFields(phase: ReleasePhase): EditField[] {
  if (!EDITABLE_PHASES.includes(phase)) return [];
  const fields = phase === "preflight" ? [...EDIT_FIELDS] : EDIT_FIELDS.filter((f) => !FROZEN_AFTER_PREFLIGHT.includes(f));
  // The soak is over once the approvals are requested.
  return phase === "production_approval" ? fields.filter((f) => f !== "soakMinutes") : fields;
}

export type EditValues = Record<EditField, string>;
export interface FieldChange {
  field: EditField;
  label: string;
  before: string;
  after: string;
}

/** The fields whose value differs, in form order. */
export const changesOf = (before: EditValues, after: EditValues): FieldChange[] =>
  EDIT_FIELDS.filter((f) => before[f] !== after[f]).map((f) => ({ field: f, label: EDIT_LABELS[f], before: before[f], after: after[f] }));

/** Why these changes may not be saved in `phase`, per field (empty: they may). */
export function frozenProblems(phase: ReleasePhase, changes: readonly FieldChange[]): Partial<Record<EditField, string>> {
  const allowed = editableFields(phase);
  const out: Partial<Record<EditField, string>> = {};
  for (const c of changes) {
    if (allowed.includes(c.field)) continue;
    out[c.field] = FROZEN_AFTER_PREFLIGHT.includes(c.field)
      ? `${c.label} cannot change in ${PHASE_LABELS[phase]}: staging tested this build. Create a new release for another one.`
      : `${c.label} cannot change in ${PHASE_LABELS[phase]}.`;
  }
  return out;
}

/** A changed value as a person reads it in one line (long text shortened). */
export const shown = (v: string, max = 80): string => (v.length > max ? `${v.slice(0, max - 1)}…` : v) || "(empty)";
