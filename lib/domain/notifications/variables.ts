import type { EventKind } from "./events";

/** What the audit hook could find about an event, as plain data (the hook reads it from the database). */
export interface EventFacts {
  kind: EventKind;
  at: number;
  actor: string;
  subject: string | null;
  environment: string | null;
  details: Readonly<Record<string, unknown>>;
  service?: string | null;
  rollout?: { toVersion: string; fromVersion: string | null; strategyKind: string; shifts: { weight: number; holdMs: number }[]; createdAt: number } | null;
  /** The analysis decision behind an automatic rollback (`details.decisionId`). */
  decision?: { metric: string | null; canaryValue: number | null; threshold: number | null; sentence: string } | null;
  /** The canary's latest analysed window (p95 in ms, 5xx share in percent). */
  live?: { p95: number | null; errorRate: number | null } | null;
  /** The last "smoke passed: ..." line of the rollout's log. */
  smokeLine?: string | null;
  release?: { version: string } | null;
  incident?: { id: number; title: string; severity: string } | null;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const text = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v : null);

/** Runbook 002's "P95: 450ms". */
export const formatLatency = (ms: number | null | undefined): string | null => (finite(ms) ? `${Math.round(ms)}ms` : null);
/** Runbook 002's "Error rate: 0.1%". */
export const formatPercent = (v: number | null | undefined): string | null => (finite(v) ? `${Number(v.toFixed(2))}%` : null);

const METRIC_WORDS: Record<string, string> = {
  p50_ms: "P50 latency",
  p95_ms: "P95 latency",
  p99_ms: "P99 latency",
  error_rate: "Error rate",
  burn_rate: "Error budget burn rate",
  cpu_pct: "CPU",
  memory_pct: "Memory",
  request_rate: "Request rate",
};

/** A metric's value in the runbooks' style: latency in ms, shares in percent. */
export function formatMetricValue(metric: string | null, v: number | null): string | null {
  if (!finite(v)) return null;
  if (metric?.endsWith("_ms")) return formatLatency(v);
  if (metric === "burn_rate") return `${Number(v.toFixed(2))}x`;
  if (metric === "request_rate") return `${Number(v.toFixed(1))}/s`;
  return formatPercent(v);
}

/** "P95 latency 812ms exceeded 600ms threshold" from a decision's numbers; its sentence when they are missing. */
export function decisionReason(d: NonNullable<EventFacts["decision"]>): string {
  const value = formatMetricValue(d.metric, d.canaryValue);
  const threshold = formatMetricValue(d.metric, d.threshold);
  if (!d.metric || !value || !threshold) return d.sentence;
  return `${METRIC_WORDS[d.metric] ?? d.metric} ${value} exceeded ${threshold} threshold`;
}

/** "30 minutes", "2 h 30 min", "45 seconds". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} seconds`;
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** "/health, /ready" from "smoke passed: http://x/health: HTTP 200 (3 ms); http://x/ready: HTTP 200 (2 ms)". */
export function smokeTestsOf(line: string | null | undefined): string | null {
  const body = line?.replace(/^smoke passed:\s*/, "");
  if (!body) return null;
  const names = body.split("; ").map((check) => {
    const url = check.replace(/: HTTP .*$/, "");
    try {
      return new URL(url).pathname;
    } catch {
      return url;
    }
  });
  return names.join(", ");
}

/** The values a template may use for this event (absent ones render as "n/a"). */
export function variablesOf(f: EventFacts): Record<string, string | null> {
  const d = f.details;
  const event = (d.event ?? {}) as Record<string, unknown>;
  const weight = finite(d.weight) ? d.weight : null;
  const common = {
    service: f.service ?? null,
    environment: f.environment,
    version: f.rollout?.toVersion ?? text(d.version) ?? f.release?.version ?? null,
    actor: f.actor,
    subject: f.subject,
  };
  switch (f.kind) {
    case "rollout_started": {
      const holds = f.rollout?.shifts.reduce((sum, s) => sum + s.holdMs, 0) ?? null;
      return {
        ...common,
        fromVersion: f.rollout?.fromVersion ?? null,
        strategy: f.rollout ? `${f.rollout.strategyKind.replace("_", "-")} ${f.rollout.shifts.map((s) => `${s.weight}%`).join(" → ")}` : null,
        duration: holds === null ? null : formatDuration(holds),
        captain: f.actor,
      };
    }
    case "step_passed":
      // After a passed hold the machine points at the next step; the one that passed is the step before (deploy is step 0).
      return { ...common, phase: finite(d.stepIndex) ? String(d.stepIndex - 1) : null, weight: weight === null ? null : String(weight), p95: formatLatency(f.live?.p95), errorRate: formatPercent(f.live?.errorRate) };
    case "rolled_back": {
      const reason = f.decision ? decisionReason(f.decision) : (text(event.reason) ?? text(d.reason) ?? "requested by " + f.actor);
      return {
        ...common,
        reason,
        restoreVersion: f.rollout?.fromVersion ?? text(d.to) ?? null,
        metric: f.decision?.metric ?? null,
        value: f.decision ? formatMetricValue(f.decision.metric, f.decision.canaryValue) : null,
        threshold: f.decision ? formatMetricValue(f.decision.metric, f.decision.threshold) : null,
        decision: f.decision?.sentence ?? null,
        p95: formatLatency(f.live?.p95),
        errorRate: formatPercent(f.live?.errorRate),
      };
    }
    case "completed":
      return { ...common, fromVersion: f.rollout?.fromVersion ?? null, duration: f.rollout ? formatDuration(f.at - f.rollout.createdAt) : null, smokeTests: smokeTestsOf(f.smokeLine) ?? "none recorded" };
    case "approval_requested":
      return { ...common, release: f.release?.version ?? null, requested: Array.isArray(d.requested) ? d.requested.map(String).join(", ") : null };
    case "gate_blocked":
      return { ...common, gatedAction: text(d.gatedAction), reasons: Array.isArray(d.reasons) ? d.reasons.map(String).join(" ") : null };
    case "incident_opened":
    case "sla_breached":
    case "postmortem_overdue":
      return {
        ...common,
        incident: f.incident ? String(f.incident.id) : null,
        severity: f.incident?.severity ?? text(d.severity),
        title: f.incident?.title ?? text(d.title),
        ...(f.kind === "sla_breached" ? { clock: text(d.clock) } : {}),
        ...(f.kind === "postmortem_overdue" ? { due: finite(d.dueAt) ? `${new Date(d.dueAt).toISOString().replace("T", " ").slice(0, 16)} UTC` : null } : {}),
      };
  }
}
