import { z } from "zod";
import type { Decision, RuleEvidence, VariantValues, Verdict } from "./evaluate";
import type { HealthClass } from "./health";

export const CHART_WINDOWS = ["15m", "1h", "all"] as const;
export type ChartWindow = (typeof CHART_WINDOWS)[number];
export const WINDOW_SECONDS: Record<ChartWindow, number | null> = { "15m": 900, "1h": 3600, all: null };
/** DESIGN rule 13: at most ~1,000 points per line, decimated on the server. */
export const MAX_POINTS = 1000;

export const metricsQuerySchema = z.object({ window: z.enum(CHART_WINDOWS, { error: `window must be one of ${CHART_WINDOWS.join(", ")}.` }).default("15m") });

/**
 * Where a rollout's request series (p95, 5xx, burn rate, request rate) come from: the local
 * router's per-second rows, or the rows the Prometheus provider read at each analysis tick.
 */
export const SERIES_SOURCES = ["router", "prometheus"] as const;
export type SeriesSource = (typeof SERIES_SOURCES)[number];

export const CHART_METRICS = ["p95_ms", "error_rate", "burn_rate", "request_rate", "cpu_pct", "memory_pct"] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];

/** One x position of a chart: epoch ms of the bucket start, canary and baseline values (null: no sample). */
export interface ChartPoint {
  t: number;
  canary: number | null;
  baseline: number | null;
}

export interface Threshold {
  value: number;
  label: string;
}

export interface DecisionView {
  id: number;
  at: number;
  kind: string;
  verdict: string;
  ruleId: string | null;
  source: string | null;
  metric: string | null;
  canary: number | null;
  baseline: number | null;
  threshold: number | null;
  windowSeconds: number;
  forMs: number | null;
  satisfiedAt: number;
  sentence: string;
  outcome: string;
  /** The sequential test behind it (count rules): e-value, alpha, counts. */
  evidence: Decision["evidence"];
}

/** One point of a rule's evidence chart: shares are 0-1; log10Evidence against log10(1/alpha). */
export interface EvidencePoint {
  t: number;
  rate: number;
  upper: number;
  threshold: number;
  baseline: number | null;
  log10Evidence: number;
}

export interface EvidenceSeries {
  ruleId: string;
  label: string;
  action: string;
  /** log10 of the evidence a breach needs (1/alpha of the rule). */
  log10Bound: number | null;
  points: EvidencePoint[];
}

/** Stored evidence rows ([ruleId, ln e, rate, upper, threshold, baseline][] per evaluation) as one series per rule. */
export function evidenceSeries(rows: readonly { at: number; rules: string }[], rules: readonly { id: string; label: string; action: string }[], lnBounds: Record<string, number>): EvidenceSeries[] {
  const byRule = new Map<string, EvidencePoint[]>();
  for (const row of rows) {
    for (const [id, lnE, rate, upper, threshold, baseline] of JSON.parse(row.rules) as [string, number, number, number, number, number | null][]) {
      let list = byRule.get(id);
      if (!list) byRule.set(id, (list = []));
      list.push({ t: row.at, rate, upper, threshold, baseline, log10Evidence: lnE / Math.LN10 });
    }
  }
  return rules.flatMap((r) => {
    const points = byRule.get(r.id);
    return points ? [{ ruleId: r.id, label: r.label, action: r.action, log10Bound: lnBounds[r.id] !== undefined ? lnBounds[r.id]! / Math.LN10 : null, points }] : [];
  });
}

export interface RolloutMetricsView {
  rolloutId: number;
  window: ChartWindow;
  bucketSeconds: number;
  from: number;
  to: number;
  live: boolean;
  series: Record<ChartMetric, ChartPoint[]>;
  /** Source of the request series; a Prometheus-measured service shows "router" until its first tick stored rows. */
  seriesSource: SeriesSource;
  thresholds: Record<ChartMetric, Threshold[]>;
  weight: { t: number; weight: number }[];
  markers: { t: number; kind: "phase" | "decision"; label: string }[];
  analysis: {
    verdict: Verdict;
    reasons: string[];
    health: HealthClass | null;
    score: number | null;
    evaluatedAt: number;
    canary: VariantValues | null;
    baseline: VariantValues | null;
    /** Each count rule's sequential test at that evaluation. */
    evidence: RuleEvidence[];
  } | null;
  config: { provider: string; intervalSeconds: number; windowSeconds: number; timeScale: number; alpha: number; requireSafety: boolean; judgeMode: string; enabled: boolean; error: string | null };
  decisions: DecisionView[];
  /** Per count rule: the canary's cumulative bad share of the step with its upper bound, the threshold and the baseline, and the evidence against its 1/alpha bar. */
  evidence: EvidenceSeries[];
  units: Record<ChartMetric, string>;
  labels: Record<ChartMetric, string>;
}

export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/**
 * Top of a metric chart's value axis: room for the data and 15% above each threshold, rounded up
 * to a nice number; a percentage that stays within 100 never gets an axis beyond 100%.
 */
export function axisTop(values: readonly number[], thresholds: readonly number[], unit: string): number {
  const dataMax = Math.max(0, ...values);
  const top = niceCeil(Math.max(dataMax, ...thresholds.map((t) => t * 1.15)));
  return unit === "%" && dataMax <= 100 && thresholds.every((t) => t <= 100) ? Math.min(top, 100) : top;
}
