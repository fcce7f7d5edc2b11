/**
 * Mergeable latency histograms (REQUIREMENTS I1, I6): true window percentiles instead of means of
 * per-second percentiles, and slow-request counts for the sequential tests.
 *
 * Bucket scheme (the router's, lib/drivers/local/latency-hist.mjs, is the same formula and
 * tests/domain/histogram.test.ts checks the two agree value by value): log-linear, HdrHistogram /
 * DDSketch "linearly interpolated mapping" style. Every power of two in ms is cut into
 * SUB_BUCKETS = 64 equal sub-buckets, so a bucket's width is at most 1/64 of its lower bound and
 * a quantile interpolated inside it is within 1.6% of the true value. The index is computed
 * exactly (power-of-two scaling, no rounding of logarithms), so Node and the browser agree.
 * Hand-written rather than @datadog/sketches-js or hdr-histogram-js: the router is plain .mjs run
 * by node without a bundler, its per-second maps are merged by SQLite's JSON functions on the
 * upsert, and Prometheus' `le` buckets must fit the same LatencyHistogram shape; ten lines of
 * arithmetic shared by both sides beat a protobuf-encoded sketch there.
 */
export interface LatencyHistogram {
  /** Ascending bucket upper bounds in ms (the last may be Infinity). */
  bounds: number[];
  /** Requests per bucket (not cumulative), same length as bounds. */
  counts: number[];
}

/** Sub-buckets per power of two: relative bucket width <= 1/64 (1.56%). */
export const SUB_BUCKETS = 64;
/** Latencies at or below ~1 µs share the first bucket. */
export const MIN_MS = 2 ** -10;
/** Latencies above ~50 days share the last bucket. */
export const MAX_MS = 2 ** 32;

/** The router's per-second form: bucket index (as a JSON object key) -> requests. */
export type SparseHistogram = Record<string, number>;

/** Index of the log-linear bucket (upper bound inclusive, like Prometheus' `le`) holding `ms`. */
export function bucketIndex(ms: number): number {
  const v = ms > MIN_MS ? Math.min(ms, MAX_MS) : MIN_MS; // NaN and negatives too
  let e = Math.floor(Math.log2(v));
  // Math.log2 may be an ulp off next to a power of two: settle 2^e <= v < 2^(e+1).
  if (2 ** e > v) e--;
  else if (2 ** (e + 1) <= v) e++;
  return e * SUB_BUCKETS + Math.ceil((v / 2 ** e - 1) * SUB_BUCKETS);
}

/** Upper bound (ms, inclusive) of bucket `index`; its lower bound (exclusive) is bucketUpper(index - 1). */
export function bucketUpper(index: number): number {
  const e = Math.floor(index / SUB_BUCKETS);
  return 2 ** e * (1 + (index - e * SUB_BUCKETS) / SUB_BUCKETS);
}

/** Sparse histogram of raw latencies (ms). */
export function sparseOf(latencies: Iterable<number>): SparseHistogram {
  const out: SparseHistogram = {};
  for (const ms of latencies) {
    const k = String(bucketIndex(ms));
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Sum of two sparse histograms (commutative and associative; inputs untouched). */
export function mergeSparse(a: SparseHistogram, b: SparseHistogram): SparseHistogram {
  const out: SparseHistogram = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/**
 * The LatencyHistogram of a sparse one. Only non-empty buckets are listed, each preceded by an
 * empty bucket ending at its lower bound when its neighbour below is absent, so interpolation
 * inside a bucket always spans exactly that bucket.
 */
export function fromSparse(s: SparseHistogram): LatencyHistogram {
  const entries = Object.entries(s)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([k, n]) => Number.isInteger(k) && n > 0)
    .sort((x, y) => x[0] - y[0]);
  const bounds: number[] = [];
  const counts: number[] = [];
  let last: number | null = null;
  for (const [k, n] of entries) {
    if (last !== k - 1) {
      bounds.push(bucketUpper(k - 1));
      counts.push(0);
    }
    bounds.push(bucketUpper(k));
    counts.push(n);
    last = k;
  }
  return { bounds, counts };
}

/** Requests in the histogram. */
export function total(h: LatencyHistogram): number {
  return h.counts.reduce((s, n) => s + n, 0);
}

const lowerOf = (h: LatencyHistogram, i: number): number => (i === 0 ? Math.min(0, h.bounds[0]!) : h.bounds[i - 1]!);

/**
 * The q-quantile (0 <= q <= 1) in ms, interpolated linearly inside its bucket like Prometheus'
 * histogram_quantile (the first bucket starts at 0; a quantile in a last +Inf bucket is that
 * bucket's lower bound). NaN when the histogram is empty or q is out of range.
 */
export function quantile(h: LatencyHistogram, q: number): number {
  const n = total(h);
  if (!(n > 0) || !(q >= 0 && q <= 1)) return NaN;
  const rank = q * n;
  let cum = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i]!;
    if (c > 0 && cum + c >= rank) {
      const lower = lowerOf(h, i);
      const upper = h.bounds[i]!;
      if (upper === Infinity) return lower;
      return lower + (upper - lower) * Math.max(0, (rank - cum) / c);
    }
    cum += c;
  }
  // Only float rounding gets here (rank a hair above the sum): the highest non-empty bucket's top.
  const top = h.counts.findLastIndex((c) => c > 0);
  return h.bounds[top] === Infinity ? lowerOf(h, top) : h.bounds[top]!;
}

/**
 * Requests slower than `ms`: whole buckets above it plus the straddling bucket's share, assuming
 * its requests are spread evenly. A +Inf bucket straddling `ms` counts whole (an unknown tail is
 * never read as fast).
 */
export function countAbove(h: LatencyHistogram, ms: number): number {
  let above = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    const lower = lowerOf(h, i);
    const upper = h.bounds[i]!;
    if (lower >= ms) above += c;
    else if (upper > ms) above += upper === Infinity ? c : (c * (upper - ms)) / (upper - lower);
  }
  return above;
}

/**
 * Sum of two histograms. Equal bounds add bucket by bucket; otherwise the bounds are united, which
 * is exact when no bound of one falls inside a non-empty bucket of the other (always so for
 * fromSparse histograms, whose non-empty buckets are single log-linear cells). Anything else
 * throws: splitting a bucket would invent a distribution.
 */
export function mergeHistograms(a: LatencyHistogram, b: LatencyHistogram): LatencyHistogram {
  if (a.bounds.length === b.bounds.length && a.bounds.every((x, i) => x === b.bounds[i])) {
    return { bounds: [...a.bounds], counts: a.counts.map((c, i) => c + b.counts[i]!) };
  }
  const bounds = [...new Set([...a.bounds, ...b.bounds])].sort((x, y) => x - y);
  const counts = bounds.map(() => 0);
  for (const h of [a, b]) {
    for (let i = 0; i < h.counts.length; i++) {
      const c = h.counts[i]!;
      if (c === 0) continue;
      const j = bounds.indexOf(h.bounds[i]!);
      if (j > 0 && bounds[j - 1]! > lowerOf(h, i)) throw new RangeError(`cannot merge histograms: bucket (${lowerOf(h, i)}, ${h.bounds[i]}] ms is split by bound ${bounds[j - 1]}`);
      counts[j]! += c;
    }
  }
  return { bounds, counts };
}

/**
 * A LatencyHistogram from Prometheus cumulative buckets (`le` as numbers or as Prometheus' label
 * strings, "+Inf" included, in the metric's unit, in any order) with counts such as `increase(..._bucket[5m])`. `msPerUnit` converts `le`
 * (default 1000: Prometheus' base unit is the second). Counts extrapolated by increase() can be
 * fractional and a hair non-monotonic: negative differences are clamped to 0, as
 * histogram_quantile does.
 */
export function fromPrometheusBuckets(le: readonly (number | string)[], cumulative: readonly number[], msPerUnit = 1000): LatencyHistogram {
  const byLe = new Map<number, number>();
  le.forEach((raw, i) => {
    // Prometheus spells the last bound "+Inf", which Number() reads as NaN.
    const l = typeof raw === "number" ? raw : /^\+?inf$/i.test(raw.trim()) ? Infinity : Number(raw);
    const c = cumulative[i];
    if (Number.isNaN(l) || c === undefined || !Number.isFinite(c)) return;
    byLe.set(l, Math.max(byLe.get(l) ?? 0, c));
  });
  const sorted = [...byLe].sort((x, y) => x[0] - y[0]);
  const bounds: number[] = [];
  const counts: number[] = [];
  let prev = 0;
  for (const [l, c] of sorted) {
    const cum = Math.max(prev, c);
    bounds.push(l === Infinity ? Infinity : l * msPerUnit);
    counts.push(cum - prev);
    prev = cum;
  }
  return { bounds, counts };
}
