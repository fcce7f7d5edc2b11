import "server-only";
import { totalmem } from "node:os";
import type { Metric, ProviderConfig } from "@/lib/domain/analysis/config";
import type { VariantValues } from "@/lib/domain/analysis/evaluate";
import type { MetricProvider, MetricQuery } from "./types";

type PrometheusConfig = Extract<ProviderConfig, { kind: "prometheus" }>;
type Queried = Exclude<Metric, "burn_rate"> | "requests";

/**
 * Default PromQL per metric and variant, after runbook 002's "Key Metrics to Watch" (rate of
 * requests and errors, histogram_quantile over the duration buckets) against the sample
 * service's /metrics. `$version` and `$window` are substituted; `$total_memory_bytes` too.
 */
export const DEFAULT_QUERIES: Record<Queried, string> = {
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
  data?: { resultType: string; result: { value?: [number, string] }[] };
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
  const queries: Record<Queried, string> = { ...DEFAULT_QUERIES, ...cfg.queries };
  const base = cfg.url.replace(/\/+$/, "");

  async function instant(query: string, at: number): Promise<number | null> {
    const url = `${base}/api/v1/query?${new URLSearchParams({ query, time: (at / 1000).toFixed(3) }).toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(cfg.timeoutMs) });
    } catch (err) {
      throw new Error(`Prometheus at ${base} unreachable: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
    }
    const body = (await res.json().catch(() => null)) as PromResponse | null;
    if (!res.ok || !body || body.status !== "success") throw new Error(`Prometheus answered HTTP ${res.status}${body?.error ? `: ${body.error}` : ""}`);
    const first = body.data?.result[0]?.value;
    if (!first) return null;
    return Number(first[1]); // "NaN" -> NaN, "+Inf" -> Infinity
  }

  async function variant(version: string, q: MetricQuery): Promise<VariantValues | null> {
    const v = { version, windowSeconds: q.windowSeconds };
    const names = Object.keys(queries) as Queried[];
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
      return { windowSeconds: q.windowSeconds, canary, baseline };
    },
  };
}
