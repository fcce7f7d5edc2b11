/** Kinds of timeline entries: built from audit events, stamped by incident verbs, or written by people. */
export const TIMELINE_KINDS = [
  "deployed",
  "breach_detected",
  "rollback_initiated",
  "service_restored",
  "opened",
  "acknowledged",
  "mitigated",
  "resolved",
  "severity_changed",
  "commander_set",
  "sla_breached",
  "lockdown",
  "note",
  "verification_passed",
  "verification_failed",
  "postmortem",
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export const TIMELINE_LABELS: Record<TimelineKind, string> = {
  deployed: "Deployed",
  breach_detected: "Breach detected",
  rollback_initiated: "Rollback initiated",
  service_restored: "Service restored",
  opened: "Incident opened",
  acknowledged: "Acknowledged",
  mitigated: "Mitigated",
  resolved: "Resolved",
  severity_changed: "Severity changed",
  commander_set: "Commander set",
  sla_breached: "SLA breached",
  lockdown: "Lockdown",
  note: "Note",
  verification_passed: "Verification passed",
  verification_failed: "Verification failed",
  postmortem: "Postmortem",
};

/** The part of an audit event the timeline reads. */
export interface AuditFact {
  id: number;
  at: number;
  action: string;
  actorLabel: string;
  details: Record<string, unknown>;
}

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  text: string;
  auditEventId: number | null;
  authorLabel: string;
}

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : typeof v === "number" ? String(v) : null);

/** The decision's numbers as one clause: "canary 0.12, baseline 0.01, threshold 0.05". */
function numbers(d: Record<string, unknown>): string {
  const parts = (["canary", "baseline", "threshold"] as const).flatMap((k) => (typeof d[k] === "number" ? [`${k} ${String(d[k])}`] : []));
  return parts.length ? ` (${parts.join(", ")})` : "";
}

export interface RolledBack {
  service: string;
  environment: string;
  /** The rollout's versions: it deployed `deployed` over `replaced`. */
  deployed: string;
  replaced: string | null;
  /** The version serving after the rollback. */
  restored: string | null;
  /** A redeploy of the earlier version (executeRollback) rather than an abort of a live rollout. */
  redeploy: boolean;
}

/**
 * The timeline of a rolled-back rollout from its audit events, oldest first (K2): deployed,
 * breach detected with the decision's numbers, rollback initiated, service restored.
 * Events of other kinds (steps, holds, passing decisions) are left out.
 */
export function rolloutTimeline(events: readonly AuditFact[], r: RolledBack): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const entry = (e: AuditFact, kind: TimelineKind, text: string) => out.push({ at: e.at, kind, text, auditEventId: e.id, authorLabel: e.actorLabel });
  const restored = `Rollback completed: ${r.restored ?? "the previous version"} serves all traffic in ${r.environment}.`;
  for (const e of [...events].sort((a, b) => a.id - b.id)) {
    const d = e.details;
    const event = (d.event ?? {}) as { reason?: unknown; error?: unknown };
    if (e.action === "rollout.start" && r.redeploy) entry(e, "rollback_initiated", `Rollback initiated: redeploying ${r.deployed}${str(d.reason) ? ` (${str(d.reason)})` : ""}.`);
    else if (e.action === "rollout.start") entry(e, "deployed", `${r.service} ${r.deployed} started in ${r.environment}${r.replaced ? ` (replacing ${r.replaced})` : ""}.`);
    else if (e.action === "analysis.decision" && str(d.outcome)?.startsWith("rollback")) entry(e, "breach_detected", `${str(d.sentence) ?? "Analysis decided to roll back"}${numbers(d)}.`);
    else if (e.action === "rollout.step_failed") entry(e, "breach_detected", `Step failed: ${str(event.error) ?? "unknown error"}.`);
    else if (e.action === "rollout.abort") entry(e, "rollback_initiated", `${d.automatic ? "Automatic" : "Manual"} rollback initiated: ${str(event.reason) ?? "no reason given"}.`);
    else if (e.action === "rollout.rolled_back" || (e.action === "rollout.succeeded" && r.redeploy)) entry(e, "service_restored", restored);
  }
  return out;
}
