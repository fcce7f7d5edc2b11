// The router's latency buckets and its metric_samples write. The buckets are the log-linear scheme
// of lib/domain/analysis/histogram.ts (64 sub-buckets per power of two of ms, <= 1.6% relative
// width), copied because the router runs as plain node without TypeScript;
// tests/domain/histogram.test.ts checks both give the same index.
export const SUB_BUCKETS = 64;
export const MIN_MS = 2 ** -10;
export const MAX_MS = 2 ** 32;

/** Index of the bucket (upper bound inclusive) holding `ms`. */
export function bucketIndex(ms) {
  const v = ms > MIN_MS ? Math.min(ms, MAX_MS) : MIN_MS;
  let e = Math.floor(Math.log2(v));
  if (2 ** e > v) e--;
  else if (2 ** (e + 1) <= v) e++;
  return e * SUB_BUCKETS + Math.ceil((v / 2 ** e - 1) * SUB_BUCKETS);
}

/** Sparse histogram {index: count} of raw latencies in ms (stored as JSON in metric_samples.latency_hist). */
export function sparseOf(latencies) {
  const out = {};
  for (const ms of latencies) {
    const k = bucketIndex(ms);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/**
 * The router's write of one second of one variant (12 parameters: service, environment, second,
 * variant, version, requests, 5xx, p50, p95, p99, mean, histogram JSON). A second written twice (a
 * retried or final flush) adds up: counts, request-weighted mean, and the histograms merged bucket
 * by bucket in SQL (json_each over both maps), so a flush never reads first. The per-second
 * percentiles keep the later part's (legacy columns; windows and charts use the histograms).
 */
export const UPSERT_SAMPLE_SQL = `INSERT INTO metric_samples (service_id, environment_id, second, variant, version, requests, errors_5xx, p50_ms, p95_ms, p99_ms, mean_ms, latency_hist)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
   ON CONFLICT (service_id, environment_id, second, variant) DO UPDATE SET requests = requests + excluded.requests,
     errors_5xx = errors_5xx + excluded.errors_5xx, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms, p99_ms = excluded.p99_ms,
     mean_ms = (mean_ms * requests + excluded.mean_ms * excluded.requests) / max(1, requests + excluded.requests),
     latency_hist = CASE WHEN latency_hist IS NULL THEN excluded.latency_hist WHEN excluded.latency_hist IS NULL THEN latency_hist ELSE
       (SELECT json_group_object(key, n) FROM (SELECT key, sum(value) AS n FROM
         (SELECT key, value FROM json_each(metric_samples.latency_hist) UNION ALL SELECT key, value FROM json_each(excluded.latency_hist)) GROUP BY key)) END`;
