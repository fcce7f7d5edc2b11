import "server-only";
import { totalmem } from "node:os";
import type { ProviderConfig, QueryKey } from "@/lib/domain/analysis/config";
import type { VariantValues } from "@/lib/domain/analysis/evaluate";
import type { MetricProvider, MetricQuery } from "./types";

type PrometheusConfig = Extract<ProviderConfig, { kind: "prometheus" }>;
type Queried = Exclude<QueryKey, "series_latency" | "series_errors">;

/**
 * Default PromQL per metric and variant, after runbook 002's "Key Metrics to Watch" (rate of
 * requests and errors, histogram_quantile over the duration buckets) against the sample
 * service's /metrics. `$version` and `$window` are substituted; `$total_memory_bytes` too.
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
};

interface PromResponse {
  status: "success" | "error";
  error?: string;
  data?: { resultType: string; result: { value?: [number, string]; values?: [number, string][] }[] };
}

/** The PromQL actually sent for one metric of one version. */
export function renderQuery(template: string, v: { version: string; windowSeconds: number }): string {
  return template
    .replaceAll("$version", v.version.replace(/["\\]/g, "\\$&"))
    .replaceAll("$window", `${Math.max(1, Math.round(v.windowSeconds))}s`)
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

  async function variant(version: string, q: MetricQuery): Promise<VariantValues | null> {
    const v = { version, windowSeconds: q.windowSeconds };
    const names = (Object.keys(queries) as QueryKey[]).filter((k): k is Queried => !k.startsWith("series_"));
    const results = await Promise.all(names.map((m) => instant(renderQuery(queries[m], v), q.at)));
    const got = Object.fromEntries(names.map((m, i) => [m, results[i]])) as Record<Queried, number | null>;
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
      const [canary, baseline] = await Promise.all([variant(q.canaryVersion, q), variant(q.baselineVersion, q)]);
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
      return { windowSeconds: q.windowSeconds, canary, baseline, ...(series ? { series } : {}) };
    },
  };
}
