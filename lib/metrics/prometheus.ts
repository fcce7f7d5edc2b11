import "server-only";
import { totalmem } from "node:os";
import type { ProviderConfig, QueryKey } from "@/lib/domain/analysis/config";
import type { Snapshot, VariantCounts, VariantValues } from "@/lib/domain/analysis/evaluate";
import { fromPrometheusBuckets } from "@/lib/domain/analysis/histogram";
import type { MetricProvider, MetricQuery } from "./types";

type PrometheusConfig = Extract<ProviderConfig, { kind: "prometheus" }>;
/** The window values: one instant query each per variant. */
const VALUE_KEYS = ["requests", "request_rate", "p50_ms", "p95_ms", "p99_ms", "error_rate", "cpu_pct", "memory_pct"] as const satisfies readonly QueryKey[];
type Queried = (typeof VALUE_KEYS)[number];

/**
 * Default PromQL per metric and variant, after runbook 002's "Key Metrics to Watch" (rate of
 * requests and errors, histogram_quantile over the duration buckets) against the sample
 * service's /metrics. `$version`, `$window` and `$step` (the current step's duration so far)
 * are substituted; `$total_memory_bytes` too.
 */
export const DEFAULT_QUERIES: Record<QueryKey, string> = {
  // Range queries at 1 s steps: the statistical judge's per-second samples.
  series_latency: '1000 * sum(rate(sample_request_duration_seconds_sum{version="$version"}[3s])) / sum(rate(sample_request_duration_seconds_count{version="$version"}[3s]))',
  series_errors: '100 * (sum(rate(sample_requests_total{version="$version",code=~"5.."}[3s])) or vector(0)) / sum(rate(sample_requests_total{version="$version"}[3s]))',
  requests: 'sum(increase(sample_requests_total{version="$version"}[$window]))',
  request_rate: 'sum(rate(sample_requests_total{version="$version"}[$window]))',
  error_rate:
    '100 * (sum(rate(sample_requests_total{version="$version",code=~"5.."}[$window])) or vector(0)) / sum(rate(sample_requests_total{version="$version"}[$window]))',
  p50_ms: '1000 * histogram_quantile(0.50, sum by (le) (rate(sample_request_duration_seconds_bucket{version="$version"}[$window])))',
  p95_ms: '1000 * histogram_quantile(0.95, sum by (le) (rate(sample_request_duration_seconds_bucket{version="$version"}[$window])))',
  p99_ms: '1000 * histogram_quantile(0.99, sum by (le) (rate(sample_request_duration_seconds_bucket{version="$version"}[$window])))',
  cpu_pct: '100 * sum(rate(process_cpu_seconds_total{version="$version"}[$window]))',
  memory_pct: '100 * sum(process_resident_memory_bytes{version="$version"}) / $total_memory_bytes',
  // Instant queries at the window's end over the step so far: the sequential tests' counts. The
  // buckets query must keep the `le` label (one sample per bound, cumulative like any _bucket).
  step_requests: 'sum(increase(sample_requests_total{version="$version"}[$step]))',
  step_errors: 'sum(increase(sample_requests_total{version="$version",code=~"5.."}[$step])) or vector(0)',
  step_latency_buckets: 'sum by (le) (increase(sample_request_duration_seconds_bucket{version="$version"}[$step]))',
  // Range queries at 1 s steps over the window: the charts of a service the router does not see.
  chart_requests: 'sum(rate(sample_requests_total{version="$version"}[3s]))',
  chart_errors: 'sum(rate(sample_requests_total{version="$version",code=~"5.."}[3s])) or vector(0)',
  chart_p95_ms: '1000 * histogram_quantile(0.95, sum by (le) (rate(sample_request_duration_seconds_bucket{version="$version"}[3s])))',
};

interface PromResponse {
  status: "success" | "error";
  error?: string;
  data?: { resultType: string; result: { metric?: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

/** The PromQL actually sent for one metric of one version. */
export function renderQuery(template: string, v: { version: string; windowSeconds: number; stepSeconds?: number }): string {
  return template
    .replaceAll("$version", v.version.replace(/["\\]/g, "\\$&"))
    .replaceAll("$window", `${Math.max(1, Math.round(v.windowSeconds))}s`)
    .replaceAll("$step", `${Math.max(1, Math.round(v.stepSeconds ?? v.windowSeconds))}s`)
    .replaceAll("$total_memory_bytes", String(totalmem()));
}

/**
 * Prometheus over its HTTP API (REQUIREMENTS I1): one instant query per metric per variant at the
 * window's end. An HTTP or PromQL error throws (verdict error); an empty request count means no
 * data for that variant (inconclusive); NaN values are passed on so the evaluation calls them out.
 */
export function createPrometheusProvider(cfg: PrometheusConfig): MetricProvider {
  const queries: Record<QueryKey, string> = { ...DEFAULT_QUERIES, ...cfg.queries };
  const base = cfg.url.replace(/\/+$/, "");

  async function call(endpoint: "query" | "query_range", params: Record<string, string>): Promise<PromResponse["data"]> {
    const url = `${base}/api/v1/${endpoint}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(cfg.timeoutMs) });
    } catch (err) {
      throw new Error(`Prometheus at ${base} unreachable: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
    }
    const body = (await res.json().catch(() => null)) as PromResponse | null;
    if (!res.ok || !body || body.status !== "success") throw new Error(`Prometheus answered HTTP ${res.status}${body?.error ? `: ${body.error}` : ""}`);
    return body.data;
  }

  async function instant(query: string, at: number): Promise<number | null> {
    const first = (await call("query", { query, time: (at / 1000).toFixed(3) }))?.result[0]?.value;
    if (!first) return null;
    return Number(first[1]); // "NaN" -> NaN, "+Inf" -> Infinity
  }

  /** Per-second values over the window (finite ones only): the judge's samples. */
  async function range(query: string, q: MetricQuery): Promise<number[]> {
    const end = q.at / 1000;
    const data = await call("query_range", { query, start: (end - q.windowSeconds).toFixed(3), end: end.toFixed(3), step: "1" });
    return (data?.result[0]?.values ?? []).map(([, v]) => Number(v)).filter((v) => Number.isFinite(v));
  }

  /** Values at whole seconds over the window (second -> value, NaN kept): chart rows line up across queries. */
  async function perSecond(query: string, q: MetricQuery): Promise<Map<number, number>> {
    const end = Math.floor(q.at / 1000);
    const data = await call("query_range", { query, start: String(end - Math.max(1, Math.round(q.windowSeconds)) + 1), end: String(end), step: "1" });
    return new Map((data?.result[0]?.values ?? []).map(([t, v]) => [Math.round(t), Number(v)]));
  }

  /** Counts since the step began: increase() over the step's duration so far, latency as `le` buckets. */
  async function stepCounts(version: string, q: MetricQuery, stepSeconds: number): Promise<VariantCounts | null> {
    const v = { version, windowSeconds: q.windowSeconds, stepSeconds };
    const [requests, errors, buckets] = await Promise.all([
      instant(renderQuery(queries.step_requests, v), q.at),
      instant(renderQuery(queries.step_errors, v), q.at),
      call("query", { query: renderQuery(queries.step_latency_buckets, v), time: (q.at / 1000).toFixed(3) }),
    ]);
    if (requests === null) return null;
    // Counts are the tests' evidence: a NaN is a broken query, never zero requests or zero errors.
    if (!Number.isFinite(requests) || (errors !== null && !Number.isFinite(errors))) throw new Error(`Prometheus returned a non-finite step count for ${version} (requests ${requests}, 5xx ${errors})`);
    const withLe = (buckets?.result ?? []).filter((r) => r.metric?.le !== undefined && r.value);
    const latency = withLe.length ? fromPrometheusBuckets(withLe.map((r) => r.metric!.le!), withLe.map((r) => Number(r.value![1]))) : null;
    // increase() extrapolates to the range's edges: whole requests, and never more errors than requests.
    const n = Math.round(requests);
    return { requests: n, errors: Math.min(n, Math.round(errors ?? 0)), latency: latency && latency.counts.some((c) => c > 0) ? latency : null };
  }

  /** Per-second chart rows of one variant over the window (a second without a request rate has no row). */
  async function chartRows(variant: "canary" | "baseline", version: string, q: MetricQuery): Promise<NonNullable<Snapshot["chart"]>> {
    const v = { version, windowSeconds: q.windowSeconds };
    const [requests, errors, p95] = await Promise.all([perSecond(renderQuery(queries.chart_requests, v), q), perSecond(renderQuery(queries.chart_errors, v), q), perSecond(renderQuery(queries.chart_p95_ms, v), q)]);
    const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
    return [...requests].flatMap(([second, rate]) =>
      Number.isFinite(rate)
        ? [{ serviceId: q.target.serviceId, environmentId: q.target.environmentId, second, variant, version, requests: rate, errors5xx: finite(errors.get(second)) ?? 0, p95Ms: finite(p95.get(second)) }]
        : [],
    );
  }

  async function variant(version: string, q: MetricQuery): Promise<VariantValues | null> {
    const v = { version, windowSeconds: q.windowSeconds };
    const results = await Promise.all(VALUE_KEYS.map((m) => instant(renderQuery(queries[m], v), q.at)));
    const got = Object.fromEntries(VALUE_KEYS.map((m, i) => [m, results[i]])) as Record<Queried, number | null>;
    if (got.requests === null || got.request_rate === null) return null;
    const num = (x: number | null) => (x === null ? NaN : x);
    return {
      requests: Math.round(got.requests),
      request_rate: got.request_rate,
      p50_ms: num(got.p50_ms),
      p95_ms: num(got.p95_ms),
      p99_ms: num(got.p99_ms),
      error_rate: num(got.error_rate),
      cpu_pct: got.cpu_pct,
      memory_pct: got.memory_pct,
    };
  }

  return {
    name: "prometheus",
    async snapshot(q) {
      const stepSeconds = Math.max(1, Math.round((q.at - q.stepStartedAt) / 1000));
      const [canary, baseline, stepCanary, stepBaseline] = await Promise.all([
        variant(q.canaryVersion, q),
        variant(q.baselineVersion, q),
        stepCounts(q.canaryVersion, q, stepSeconds),
        stepCounts(q.baselineVersion, q, stepSeconds),
      ]);
      const seriesOf = async (version: string) => {
        const v = { version, windowSeconds: q.windowSeconds };
        const [latency, errors] = await Promise.all([range(renderQuery(queries.series_latency, v), q), range(renderQuery(queries.series_errors, v), q)]);
        return { latency, errors };
      };
      // The judge's series are advisory input: a failing range query leaves the score empty
      // (and, with the judge acting, the verdict inconclusive) instead of hiding the rules' verdict.
      const series = await Promise.all([seriesOf(q.canaryVersion), seriesOf(q.baselineVersion)]).then(
        ([c, b]) => ({ canary: c, baseline: b }),
        () => undefined,
      );
      // Chart rows are for people, not verdicts: a failing range query leaves the chart with a gap.
      const chart = await Promise.all([chartRows("canary", q.canaryVersion, q), chartRows("baseline", q.baselineVersion, q)]).then(
        ([c, b]) => [...c, ...b],
        () => undefined,
      );
      return {
        windowSeconds: q.windowSeconds,
        step: { since: q.at - stepSeconds * 1000, canary: stepCanary, baseline: stepBaseline },
        canary,
        baseline,
        ...(series ? { series } : {}),
        ...(chart ? { chart } : {}),
      };
    },
  };
}
