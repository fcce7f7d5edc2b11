// The router's latency buckets: the log-linear scheme of lib/domain/analysis/histogram.ts (64
// sub-buckets per power of two of ms, <= 1.6% relative width), copied because the router runs as
// plain node without TypeScript; tests/domain/histogram.test.ts checks both give the same index.
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
