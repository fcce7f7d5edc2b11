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

const MIN_INDEX = bucketIndex(MIN_MS);
const SPAN = bucketIndex(MAX_MS) - MIN_INDEX + 1;
/** Upper bounds by index - MIN_INDEX, plus the bound below the first bucket at the end. */
const UPPER = Float64Array.from({ length: SPAN + 1 }, (_, i) => bucketUpper(i < SPAN ? i + MIN_INDEX : MIN_INDEX - 1));

/**
 * Merges sparse histograms into one over the whole index range (a dense array: adding is an
 * increment and buckets come out in order). Reusable: histogram() empties it.
 */
export class SparseAccumulator {
  #counts = new Float64Array(SPAN);
  #lo = SPAN;
  #hi = -1;

  /** Adds `n` requests to bucket `index` (indices outside the scheme's range are clamped). */
  add(index: number, n: number): void {
    const i = Math.min(SPAN - 1, Math.max(0, Math.trunc(index) - MIN_INDEX));
    if (!(n > 0)) return;
    this.#counts[i]! += n;
    if (i < this.#lo) this.#lo = i;
    if (i > this.#hi) this.#hi = i;
  }

  addSparse(s: SparseHistogram): void {
    for (const k in s) {
      const key = Number(k);
      if (Number.isInteger(key)) this.add(key, s[k]!);
    }
  }

  /**
   * Adds the sparse maps in `text`: one JSON object, or several comma-joined as SQLite's
   * group_concat returns them. Scanned by hand: JSON.parse building an object per second was
   * most of the cost of a 2-hour chart (14,400 maps, ~2 MB). Throws on anything but
   * {"<integer>": <number>, ...} objects.
   */
  addJson(text: string): void {
    const counts = this.#counts;
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (text.charCodeAt(i) !== 34) {
        i++; // braces, commas and whitespace between entries
        continue;
      }
      let j = i + 1;
      const neg = text.charCodeAt(j) === 45;
      if (neg) j++;
      let key = 0;
      let d = text.charCodeAt(j) - 48;
      if (!(d >= 0 && d <= 9)) throw new SyntaxError(`histogram JSON: bad key at ${i}`);
      for (; d >= 0 && d <= 9; d = text.charCodeAt(++j) - 48) key = key * 10 + d;
      if (text.charCodeAt(j) !== 34) throw new SyntaxError(`histogram JSON: bad key at ${i}`);
      j++;
      while (j < n && text.charCodeAt(j) !== 58) j++;
      const start = ++j;
      let value = 0;
      let plain = true;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 125) break;
        if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
        else plain = false; // whitespace, a fraction or an exponent: let Number() read it
      }
      if (!plain) value = Number(text.slice(start, j));
      if (!Number.isFinite(value) || start >= j) throw new SyntaxError(`histogram JSON: bad count at ${start}`);
      // add(), inlined: this loop runs once per bucket of every second of a chart.
      const at = (neg ? -key : key) - MIN_INDEX;
      if (at >= 0 && at < SPAN) {
        if (value > 0) {
          counts[at]! += value;
          if (at < this.#lo) this.#lo = at;
          if (at > this.#hi) this.#hi = at;
        }
      } else this.add(neg ? -key : key, value);
      i = j + 1;
    }
  }

  /**
   * The merged LatencyHistogram, then empties the accumulator. Only non-empty buckets are listed,
   * each preceded by an empty bucket ending at its lower bound when its neighbour below is absent,
   * so interpolation inside a bucket always spans exactly that bucket.
   */
  histogram(): LatencyHistogram {
    const bounds: number[] = [];
    const counts: number[] = [];
    const c = this.#counts;
    let last = -2;
    for (let i = this.#lo; i <= this.#hi; i++) {
      const n = c[i]!;
      if (n === 0) continue;
      if (last !== i - 1) {
        bounds.push(i === 0 ? UPPER[SPAN]! : UPPER[i - 1]!);
        counts.push(0);
      }
      bounds.push(UPPER[i]!);
      counts.push(n);
      last = i;
    }
    if (this.#hi >= this.#lo) c.fill(0, this.#lo, this.#hi + 1);
    this.#lo = SPAN;
    this.#hi = -1;
    return { bounds, counts };
  }
}

/** The LatencyHistogram of a sparse one (see SparseAccumulator.histogram for its bounds). */
export function fromSparse(s: SparseHistogram): LatencyHistogram {
  const acc = new SparseAccumulator();
  acc.addSparse(s);
  return acc.histogram();
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
