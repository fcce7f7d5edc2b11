import { describe, expect, it } from "vitest";
import * as router from "@/lib/drivers/local/latency-hist.mjs";
import {
  type LatencyHistogram,
  MAX_MS,
  MIN_MS,
  SparseAccumulator,
  SUB_BUCKETS,
  bucketIndex,
  bucketUpper,
  countAbove,
  fromPrometheusBuckets,
  fromSparse,
  mergeHistograms,
  mergeSparse,
  quantile,
  sparseOf,
  total,
} from "@/lib/domain/analysis/histogram";
import { seededRandom } from "@/scripts/sim/rng";

/** Relative accuracy of the scheme: a bucket is at most 1/64 wider than its lower bound. */
const ACCURACY = 1 / SUB_BUCKETS;


/** The exact empirical quantile: the ceil(q n)-th smallest value (what a histogram approximates). */
const exact = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

const DISTRIBUTIONS: [string, (r: () => number) => number][] = [
  ["uniform 1..1000 ms", (r) => 1 + 999 * r()],
  ["exponential, mean 40 ms", (r) => -40 * Math.log(1 - r())],
  ["log-normal around 20 ms", (r) => 20 * Math.exp(0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))],
  // The case: 5 ms +-30% with 1.5% of requests 1.5 s slower.
  ["5 ms with a 1.5% tail at +1.5 s", (r) => 5 * (0.7 + 0.6 * r()) + (r() < 0.015 ? 1500 : 0)],
  ["sub-millisecond 0.05..0.9 ms", (r) => 0.05 + 0.85 * r()],
];

describe("log-linear buckets", () => {
  it.each([0.001, 0.0123, 0.5, 1, 1.0001, 2, 3, 5, 7.77, 10, 64, 100, 482, 1000, 1500, 1517.3, 60_000, 3_600_000])("%d ms lies in its bucket, which is at most 1/64 wide", (ms) => {
    const i = bucketIndex(ms);
    expect(bucketUpper(i - 1)).toBeLessThan(ms);
    expect(bucketUpper(i)).toBeGreaterThanOrEqual(ms);
    expect(bucketUpper(i) / bucketUpper(i - 1) - 1).toBeLessThanOrEqual(ACCURACY + 1e-12);
  });

  it("upper bounds are inclusive like Prometheus' le: a bound is in its own bucket", () => {
    for (let i = -300; i < 1500; i += 7) expect(bucketIndex(bucketUpper(i))).toBe(i);
  });

  it("clamps nonsense and extremes into the first and last buckets", () => {
    const first = bucketIndex(MIN_MS);
    for (const v of [0, -5, Number.NaN, 1e-9]) expect(bucketIndex(v)).toBe(first);
    expect(bucketIndex(Infinity)).toBe(bucketIndex(MAX_MS));
  });

  it("the router's copy of the formula gives the same index for every value (lib/drivers/local/latency-hist.mjs)", () => {
    expect([router.SUB_BUCKETS, router.MIN_MS, router.MAX_MS]).toEqual([SUB_BUCKETS, MIN_MS, MAX_MS]);
    const r = seededRandom(7);
    const values = [0, -1, Number.NaN, Infinity, MIN_MS, MAX_MS];
    for (let i = -700; i < 2100; i++) values.push(bucketUpper(i), bucketUpper(i) * (1 + 1e-15), bucketUpper(i) * (1 - 1e-15));
    for (let i = 0; i < 50_000; i++) values.push(10 ** (6 * r() - 2));
    for (const v of values) expect(router.bucketIndex(v)).toBe(bucketIndex(v));
    expect(router.sparseOf(values)).toEqual(sparseOf(values));
  });
});

describe("quantiles of known distributions", () => {
  const N = 100_000;
  it.each(DISTRIBUTIONS)("%s: p50..p99.9 within the scheme's relative accuracy", (_name, draw) => {
    const r = seededRandom(42);
    const values = Array.from({ length: N }, () => draw(r));
    const h = fromSparse(sparseOf(values));
    expect(total(h)).toBe(N);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.001, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      const truth = exact(sorted, q);
      expect(Math.abs(quantile(h, q) - truth) / truth, `q=${q}: ${quantile(h, q)} vs ${truth}`).toBeLessThanOrEqual(ACCURACY + 1e-9);
    }
  });

  it("the issue's case: 1.5% of requests at +1.5 s give p99 ~1.5 s, not the 482 ms a mean of per-second p99s gave", () => {
    const r = seededRandom(1);
    const values = Array.from({ length: 12_000 }, () => 5 * (0.7 + 0.6 * r()) + (r() < 0.015 ? 1500 : 0));
    const h = fromSparse(sparseOf(values));
    expect(quantile(h, 0.99)).toBeGreaterThan(1400);
    expect(quantile(h, 0.95)).toBeLessThan(10);
  });

  it("an empty histogram has NaN quantiles, zero total and nothing above; q outside [0, 1] is NaN", () => {
    const empty: LatencyHistogram = { bounds: [], counts: [] };
    expect(quantile(empty, 0.5)).toBeNaN();
    expect(quantile(fromSparse({}), 0.99)).toBeNaN();
    expect(quantile({ bounds: [5, 10], counts: [0, 0] }, 0.5)).toBeNaN();
    expect(total(empty)).toBe(0);
    expect(countAbove(empty, 1)).toBe(0);
    expect(quantile(fromSparse(sparseOf([5])), 1.5)).toBeNaN();
    expect(quantile(fromSparse(sparseOf([5])), -0.1)).toBeNaN();
  });

  it("a single value is recovered within the accuracy at every quantile", () => {
    const h = fromSparse(sparseOf([482, 482, 482]));
    for (const q of [0, 0.5, 1]) expect(Math.abs(quantile(h, q) - 482) / 482).toBeLessThanOrEqual(ACCURACY);
  });
});

describe("countAbove", () => {
  const r = seededRandom(9);
  const values = Array.from({ length: 100_000 }, () => 1 + 999 * r());
  const h = fromSparse(sparseOf(values));
  it.each([
    [0, 100_000],
    [0.5, 100_000],
    [100, 90_090],
    [500, 50_050],
    [900, 10_010],
    [1100, 0],
    [5000, 0],
  ])("uniform 1..1000 ms: above %d ms -> about %d", (ms, expected) => {
    const truth = values.filter((v) => v > ms).length;
    expect(Math.abs(truth - expected)).toBeLessThan(600); // the table's own sampling noise
    // Only the straddling bucket is estimated; on a flat density its even spread is close.
    const i = bucketIndex(ms);
    const straddling = values.filter((v) => v > bucketUpper(i - 1) && v <= bucketUpper(i)).length;
    expect(Math.abs(countAbove(h, ms) - truth)).toBeLessThanOrEqual(Math.max(1, straddling * 0.1));
  });

  it("the estimate is off by at most the straddling bucket's requests (here: the 1,000 ms edge of the data)", () => {
    const i = bucketIndex(1000);
    const straddling = values.filter((v) => v > bucketUpper(i - 1) && v <= bucketUpper(i)).length;
    expect(countAbove(h, 1000)).toBeLessThanOrEqual(straddling);
    expect(values.filter((v) => v > 1000)).toHaveLength(0);
  });

  it.each([
    [0, 100],
    [5, 80],
    [7.5, 70],
    [10, 60],
    [17.5, 35],
    [25, 10],
    [1000, 10],
  ])("Prometheus-style buckets le 5/10/25/+Inf ms: above %d ms -> %d (interpolated; the +Inf tail counts whole)", (ms, expected) => {
    const h: LatencyHistogram = { bounds: [5, 10, 25, Infinity], counts: [20, 20, 50, 10] };
    expect(countAbove(h, ms)).toBeCloseTo(expected, 9);
  });
});

describe("merging", () => {
  const part = (seed: number, n: number, scale: number) => {
    const r = seededRandom(seed);
    return sparseOf(Array.from({ length: n }, () => scale * (0.5 + r())));
  };
  const a = part(1, 3000, 5);
  const b = part(2, 500, 800);
  const c = part(3, 2000, 40);

  it("sparse merge is associative and commutative and keeps every request", () => {
    expect(mergeSparse(mergeSparse(a, b), c)).toEqual(mergeSparse(a, mergeSparse(b, c)));
    expect(mergeSparse(a, b)).toEqual(mergeSparse(b, a));
    expect(total(fromSparse(mergeSparse(mergeSparse(a, b), c)))).toBe(5500);
  });

  it("histogram merge is associative and equals merging the sparse forms", () => {
    const [ha, hb, hc] = [fromSparse(a), fromSparse(b), fromSparse(c)];
    const left = mergeHistograms(mergeHistograms(ha, hb), hc);
    const right = mergeHistograms(ha, mergeHistograms(hb, hc));
    const sparse = fromSparse(mergeSparse(mergeSparse(a, b), c));
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      expect(quantile(left, q)).toBeCloseTo(quantile(right, q), 9);
      expect(quantile(left, q)).toBeCloseTo(quantile(sparse, q), 9);
    }
    for (const ms of [3, 10, 100, 1000]) expect(countAbove(left, ms)).toBeCloseTo(countAbove(sparse, ms), 9);
    expect(total(left)).toBe(5500);
  });

  it("the accumulator reads SQLite's group_concat of JSON maps like merging the parsed maps, and empties itself", () => {
    const acc = new SparseAccumulator();
    const text = [a, b, c].map((m) => JSON.stringify(m)).join(",");
    acc.addJson(text);
    expect(acc.histogram()).toEqual(fromSparse(mergeSparse(mergeSparse(a, b), c)));
    expect(acc.histogram()).toEqual({ bounds: [], counts: [] });
    // json_group_object's spelling, whitespace, fractions, negative keys and an empty map.
    acc.addJson('{"-3":2,"150":1.5e0} , { "150" : 2 ,"-3": 0.5 },{}');
    expect(acc.histogram()).toEqual(fromSparse({ "-3": 2.5, "150": 3.5 }));
    for (const bad of ['{"x":1}', '{"1":}', '{"1":"2"}', '{"1":NaN}']) expect(() => acc.addJson(bad), bad).toThrow(SyntaxError);
  });

  it("equal bounds add bucket by bucket; a bound splitting a non-empty bucket is refused", () => {
    const x: LatencyHistogram = { bounds: [5, 10, Infinity], counts: [1, 2, 3] };
    expect(mergeHistograms(x, { bounds: [5, 10, Infinity], counts: [4, 5, 6] })).toEqual({ bounds: [5, 10, Infinity], counts: [5, 7, 9] });
    expect(() => mergeHistograms(x, { bounds: [7, Infinity], counts: [1, 1] })).toThrow(RangeError);
  });
});

describe("Prometheus buckets", () => {
  // sum by (le) (increase(sample_request_duration_seconds_bucket[...])): le in seconds, cumulative, any order.
  const le = ["0.2", "+Inf", "0.1"];
  const h = fromPrometheusBuckets(le, [90, 100, 50]);

  it("become per-bucket counts with ms bounds", () => {
    expect(h).toEqual({ bounds: [100, 200, Infinity], counts: [50, 40, 10] });
    expect(total(h)).toBe(100);
  });

  it.each([
    [0.5, 100],
    [0.7, 150],
    [0.9, 200],
    [0.95, 200], // in the +Inf bucket: its lower bound, as histogram_quantile answers
    [0.25, 50],
  ])("quantile %d -> %d ms, as histogram_quantile computes it", (q, expected) => {
    expect(quantile(h, q)).toBeCloseTo(expected, 9);
  });

  it("fractional, slightly non-monotonic counts from increase() are clamped, duplicates and NaN dropped", () => {
    expect(fromPrometheusBuckets([0.005, 0.01, 0.01, 0.025, Infinity, Number.NaN], [10.5, 10.49, 10.2, 20, 20, 3])).toEqual({ bounds: [5, 10, 25, Infinity], counts: [10.5, 0, 9.5, 0] });
    expect(fromPrometheusBuckets([5, 10], [1, 2], 1)).toEqual({ bounds: [5, 10], counts: [1, 1] });
    expect(fromPrometheusBuckets(["0.5", "+Inf", "Inf"], [1, 2, 2]).bounds).toEqual([500, Infinity]);
    expect(fromPrometheusBuckets([], [])).toEqual({ bounds: [], counts: [] });
  });
});
