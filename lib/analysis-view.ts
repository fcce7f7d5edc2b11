import type { Executor } from "@/db/connection";
import { type AnalysisDecisionRow, chartBuckets, evidenceBuckets, findAnalysisState, listDecisions, providerChartBuckets, resourceBuckets, rolloutAuditTrail } from "@/db/queries/analysis";
import { type RolloutRow, findRollout } from "@/db/queries/rollouts";
import { type AnalysisConfig, METRIC_LABEL, effectiveRules } from "@/lib/domain/analysis/config";
import { CHART_METRICS, type ChartMetric, evidenceSeries, type ChartPoint, type ChartWindow, type DecisionView, MAX_POINTS, type RolloutMetricsView, type SeriesSource, type Threshold, WINDOW_SECONDS } from "@/lib/domain/analysis/chart";
import { type RuleEvidence, type VariantValues, formatMetric } from "@/lib/domain/analysis/evaluate";
import { burnRate } from "@/lib/domain/analysis/stats";
import { holdGateReason } from "@/lib/domain/analysis/cadence";
import { readAnalysisConfig } from "@/lib/services/analysis/read-analysis-config";

const LIVE = ["pending", "running", "paused", "failed", "rolling_back"];
const SHORT_ACTION: Record<string, string> = { rollback_immediate: "immediate", rollback_gradual: "gradual", hold: "hold" };

export function decisionView(d: AnalysisDecisionRow): DecisionView {
  return {
    id: d.id,
    at: d.at,
    kind: d.kind,
    verdict: d.verdict,
    ruleId: d.ruleId,
    source: d.source,
    metric: d.metric,
    canary: d.canaryValue,
    baseline: d.baselineValue,
    threshold: d.threshold,
    windowSeconds: d.windowSeconds,
    forMs: d.forMs,
    satisfiedAt: d.satisfiedAt,
    sentence: d.sentence,
    outcome: d.outcome,
    evidence: d.evidence ? (JSON.parse(d.evidence) as DecisionView["evidence"]) : null,
  };
}

/** Reference lines per chart: every absolute or SLO-relative rule on that metric (relative-to-baseline rules move with the baseline). */
function thresholdsOf(cfg: AnalysisConfig): Record<ChartMetric, Threshold[]> {
  const out = Object.fromEntries(CHART_METRICS.map((m) => [m, [] as Threshold[]])) as Record<ChartMetric, Threshold[]>;
  for (const r of effectiveRules(cfg)) {
    if (!(CHART_METRICS as readonly string[]).includes(r.metric) || r.comparison === "relative") continue;
    if (r.action === "hold") continue; // degraded bounds: shown in the health class, not as lines
    const value = r.comparison === "slo" ? cfg.latencySloMs * (1 + r.threshold / 100) : r.threshold;
    const list = out[r.metric as ChartMetric];
    if (list.some((t) => t.value === value)) continue;
    list.push({ value, label: `${formatMetric(r.metric, value)} ${SHORT_ACTION[r.action] ?? r.action}` });
  }
  for (const m of CHART_METRICS) out[m].sort((a, b) => a.value - b.value);
  return out;
}

/**
 * Chart data of one rollout (REQUIREMENTS J1): canary and baseline series from the router's
 * per-second samples (or the provider's, for a Prometheus-measured service) and the /proc samples,
 * bucketed so no line exceeds MAX_POINTS, plus the thresholds, the weight over time, phase and
 * decision markers and the latest verdict.
 */
export function loadRolloutMetrics(db: Executor, id: number, window: ChartWindow, now = Date.now()): RolloutMetricsView | undefined {
  const r = findRollout(db, id);
  if (!r) return undefined;
  const { config: cfg, error } = readAnalysisConfig(db, r.serviceId);
  const live = LIVE.includes(r.status);
  const endMs = live ? now : (r.finishedAt ?? r.updatedAt) + 5000;
  const toSecond = Math.floor(endMs / 1000);
  const startSecond = Math.floor(r.createdAt / 1000);
  const span = WINDOW_SECONDS[window];
  const fromSecond = span === null ? startSecond : Math.max(startSecond, toSecond - span + 1);
  const bucketSeconds = Math.max(1, Math.ceil((toSecond - fromSecond + 1) / MAX_POINTS));
  const range = { serviceId: r.serviceId, environmentId: r.environmentId, fromSecond, toSecond, bucketSeconds };

  const versions = { canary: r.toVersion, baseline: r.fromVersion };
  // A Prometheus-measured service charts what the analysis read (stored by its ticks); the router's
  // rows remain the fallback (rollouts from before, or a local router behind the same service).
  const fromProvider = cfg.provider.kind === "prometheus" ? providerChartBuckets(db, { ...range, versions }) : [];
  const seriesSource: SeriesSource = fromProvider.length ? "prometheus" : "router";
  const rows = seriesSource === "prometheus" ? fromProvider : chartBuckets(db, { ...range, versions });
  const res = resourceBuckets(db, range);
  const byBucket = new Map<number, Partial<Record<ChartMetric, { canary?: number; baseline?: number }>>>();
  const put = (bucket: number, metric: ChartMetric, variant: "canary" | "baseline", value: number) => {
    let b = byBucket.get(bucket);
    if (!b) byBucket.set(bucket, (b = {}));
    (b[metric] ??= {})[variant] = value;
  };
  for (const row of rows) {
    if (row.requests === 0) continue;
    const errorRate = (100 * row.errors) / row.requests;
    if (row.p95 !== null && Number.isFinite(row.p95)) put(row.bucket, "p95_ms", row.variant, row.p95);
    put(row.bucket, "error_rate", row.variant, errorRate);
    put(row.bucket, "burn_rate", row.variant, burnRate(errorRate, cfg.sloTarget));
    put(row.bucket, "request_rate", row.variant, row.requests / Math.max(1, row.seconds));
  }
  for (const row of res) {
    put(row.bucket, "cpu_pct", row.variant, row.cpu);
    put(row.bucket, "memory_pct", row.variant, row.memory);
  }
  const buckets = [...byBucket.keys()].sort((a, b) => a - b);
  const series = Object.fromEntries(
    CHART_METRICS.map((m) => [
      m,
      buckets.flatMap((bucket) => {
        const v = byBucket.get(bucket)![m];
        return v ? [{ t: bucket * 1000, canary: v.canary ?? null, baseline: v.baseline ?? null }] : [];
      }),
    ]),
  ) as Record<ChartMetric, ChartPoint[]>;

  const trail = rolloutAuditTrail(db, r.id);
  const weight: { t: number; weight: number }[] = [{ t: r.createdAt, weight: 0 }];
  const markers: RolloutMetricsView["markers"] = [];
  for (const e of trail) {
    const details = JSON.parse(e.details) as { weight?: number; to?: string; event?: { type?: string }; kind?: string };
    if (typeof details.weight === "number" && details.weight !== weight.at(-1)!.weight) weight.push({ t: e.at, weight: details.weight });
    if (e.action === "rollout.step_succeeded" && typeof details.weight === "number") markers.push({ t: e.at, kind: "phase", label: `${details.weight}%` });
    else if (["rollout.pause", "rollout.resume", "rollout.abort", "rollout.rolled_back", "rollout.succeeded", "rollout.promote"].includes(e.action)) {
      markers.push({ t: e.at, kind: "phase", label: e.action.replace("rollout.", "").replace("_", " ") });
    }
  }
  weight.push({ t: Math.min(endMs, now), weight: weight.at(-1)!.weight });
  const decisions = listDecisions(db, r.id).map(decisionView);
  for (const d of decisions) markers.push({ t: d.at, kind: "decision", label: `decision: ${SHORT_ACTION[d.kind] ?? d.kind.replace("_", " ")}` });
  markers.sort((a, b) => a.t - b.t);

  const s = findAnalysisState(db, r.id);
  const latestEvidence = s?.evidence ? (JSON.parse(s.evidence) as RuleEvidence[]) : [];
  const evidence = evidenceSeries(
    evidenceBuckets(db, { rolloutId: r.id, fromMs: fromSecond * 1000, toMs: endMs, bucketMs: bucketSeconds * 1000 }),
    effectiveRules(cfg).map((x) => ({ id: x.id, label: `${x.id}: ${METRIC_LABEL[x.metric]} ${x.op} ${x.comparison === "absolute" ? formatMetric(x.metric, x.threshold) : `${x.comparison === "slo" ? "SLO" : "baseline"} + ${x.threshold}%`}`, action: SHORT_ACTION[x.action] ?? x.action })),
    Object.fromEntries(latestEvidence.map((x) => [x.ruleId, x.lnBound])),
  );
  return {
    rolloutId: r.id,
    window,
    bucketSeconds,
    from: fromSecond * 1000,
    to: toSecond * 1000,
    live,
    series,
    seriesSource,
    thresholds: thresholdsOf(cfg),
    weight: weight.filter((w) => w.t >= fromSecond * 1000 - bucketSeconds * 1000 || w === weight.at(-1)),
    markers: markers.filter((m) => m.t >= fromSecond * 1000),
    analysis: s
      ? {
          verdict: s.verdict,
          reasons: JSON.parse(s.reasons) as string[],
          health: s.health,
          score: s.score,
          evaluatedAt: s.evaluatedAt,
          canary: s.canary ? (JSON.parse(s.canary) as VariantValues) : null,
          baseline: s.baseline ? (JSON.parse(s.baseline) as VariantValues) : null,
          evidence: latestEvidence,
        }
      : null,
    config: { provider: cfg.provider.kind, intervalSeconds: cfg.intervalSeconds, windowSeconds: cfg.windowSeconds, timeScale: cfg.timeScale, alpha: cfg.sequential.alpha, requireSafety: cfg.sequential.requireSafety, judgeMode: cfg.judge.enabled ? cfg.judge.mode : "off", enabled: cfg.enabled, error },
    decisions,
    evidence,
    units: { p95_ms: "ms", error_rate: "%", burn_rate: "x", request_rate: "/s", cpu_pct: "%", memory_pct: "%" },
    labels: { p95_ms: "p95 latency", error_rate: "5xx rate", burn_rate: "Error budget burn rate", request_rate: "Request rate", cpu_pct: "CPU", memory_pct: "Memory" },
  };
}


/** Whether analysis applies to a rollout: enabled, with a baseline to compare with, and traffic on the canary. */
export function analysisApplies(cfg: AnalysisConfig, r: RolloutRow): boolean {
  return cfg.enabled && r.fromVersion !== null && r.weight > 0;
}

/** The hold gate (DESIGN rule 9, lib/domain/analysis/cadence.ts) for a rollout: null when its hold may end, else why it holds. */
export function analysisHoldReason(db: Executor, r: RolloutRow, now: number): string | null {
  const { config } = readAnalysisConfig(db, r.serviceId);
  if (!analysisApplies(config, r)) return null;
  const s = findAnalysisState(db, r.id);
  return holdGateReason(s ? { verdict: s.verdict, reasons: JSON.parse(s.reasons) as string[], at: s.evaluatedAt } : null, now, config.intervalSeconds);
}
