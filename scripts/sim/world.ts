// The simulated service and metrics provider: per-second traffic of each variant (Poisson requests,
// Bernoulli 5xx, lognormal latencies plus a scenario's tail) and the snapshots the product's
// builtin provider would build from it. Two provider shapes: the current one (window values from
// merged latency histograms plus the step's cumulative counts, lib/metrics/builtin.ts) and the
// pre-issue-9 one (per-second nearest-rank percentiles averaged request-weighted, git 509c9dd).
import type { Snapshot, VariantCounts, VariantValues } from "@/lib/domain/analysis/evaluate";
import { bucketIndex, fromSparse, quantile, type SparseHistogram } from "@/lib/domain/analysis/histogram";
import type { Snapshot as LegacySnapshot, VariantValues as LegacyValues } from "./legacy/evaluate";
import type { Rng } from "./rng";

export const VARIANTS = ["canary", "baseline"] as const;
export type Variant = (typeof VARIANTS)[number];

/** How one variant behaves at second `s` of the canary (s = 0 is the second its traffic starts). */
export interface VariantModel {
  /** 5xx probability of a request. */
  errorRate: (s: number) => number;
  /** Median (ms) and log-sigma of the lognormal body. */
  medianMs: number;
  sigma: number;
  /** A share of requests gets `addMs` on top (a regression of a percentile). */
  tail?: { share: number; addMs: number };
}

/** One variant's second, as the router records it (no row when it served no request). */
export interface SecondRow {
  requests: number;
  errors: number;
  /** Sparse log-linear histogram (bucket index -> requests), as the router writes latency_hist. */
  hist: Map<number, number> | null;
  /** The old router's per-second nearest-rank percentiles of that second's own requests. */
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

const scratch = { buf: new Float64Array(4096) };

/** Nearest rank, as the old router's pct() did on the second's sorted latencies. */
function nearestRank(sorted: Float64Array, n: number, p: number): number {
  return sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)] ?? 0;
}

/**
 * One second of one variant: `lambda` expected requests. `hist`: record the histogram (current
 * provider); `percentiles`: record the per-second percentiles (old provider).
 */
export function simulateSecond(rng: Rng, lambda: number, model: VariantModel, s: number, opts: { hist: boolean; percentiles: boolean }): SecondRow | null {
  const n = rng.poisson(lambda);
  if (n === 0) return null;
  const p = model.errorRate(s);
  let errors = 0;
  let sum = 0;
  const hist = opts.hist ? new Map<number, number>() : null;
  if (opts.percentiles && scratch.buf.length < n) scratch.buf = new Float64Array(2 * n);
  const buf = scratch.buf;
  for (let i = 0; i < n; i++) {
    let ms = model.medianMs * Math.exp(model.sigma * rng.normal());
    if (model.tail && rng.bernoulli(model.tail.share)) ms += model.tail.addMs;
    if (rng.bernoulli(p)) errors++;
    sum += ms;
    if (hist) {
      const k = bucketIndex(ms);
      hist.set(k, (hist.get(k) ?? 0) + 1);
    }
    if (opts.percentiles) buf[i] = ms;
  }
  let p50 = 0;
  let p95 = 0;
  let p99 = 0;
  if (opts.percentiles) {
    const sorted = buf.subarray(0, n).sort();
    p50 = nearestRank(sorted, n, 50);
    p95 = nearestRank(sorted, n, 95);
    p99 = nearestRank(sorted, n, 99);
  }
  return { requests: n, errors, hist, p50, p95, p99, mean: sum / n };
}

/** Running sum of rows (requests, 5xx, histogram): a sliding window or the step's counts. */
class Accumulator {
  requests = 0;
  errors = 0;
  readonly hist = new Map<number, number>();
  private cached: ReturnType<typeof fromSparse> | null = null;

  apply(row: SecondRow, sign: 1 | -1): void {
    this.requests += sign * row.requests;
    this.errors += sign * row.errors;
    if (row.hist) {
      for (const [k, n] of row.hist) {
        const v = (this.hist.get(k) ?? 0) + sign * n;
        if (v === 0) this.hist.delete(k);
        else this.hist.set(k, v);
      }
    }
    this.cached = null;
  }

  clear(): void {
    this.requests = 0;
    this.errors = 0;
    this.hist.clear();
    this.cached = null;
  }

  /** The LatencyHistogram the product's query builds (histogram.ts' fromSparse over the merged sparse form). */
  histogram(): ReturnType<typeof fromSparse> {
    if (!this.cached) {
      const sparse: SparseHistogram = {};
      for (const [k, n] of this.hist) sparse[String(k)] = n;
      this.cached = fromSparse(sparse);
    }
    return this.cached;
  }
}

/** Both variants' recorded seconds (index = second since the canary started). */
export class Recording {
  readonly rows: Record<Variant, (SecondRow | null)[]> = { canary: [], baseline: [] };

  get seconds(): number {
    return this.rows.canary.length;
  }

  push(canary: SecondRow | null, baseline: SecondRow | null): void {
    this.rows.canary.push(canary);
    this.rows.baseline.push(baseline);
  }
}

const SERIES_OF = (rows: (SecondRow | null)[], from: number, to: number) => {
  const latency: number[] = [];
  const errors: number[] = [];
  for (let s = Math.max(0, from); s <= to; s++) {
    const r = rows[s];
    if (!r) continue;
    latency.push(r.mean);
    errors.push((100 * r.errors) / Math.max(1, r.requests));
  }
  return { latency, errors };
};

/**
 * The current builtin provider over a Recording (lib/metrics/builtin.ts): the window ends at the
 * last complete second, window percentiles come from the merged histogram, and the step's counts
 * run from the step's first whole second. Evaluation times only move forward.
 */
export class CurrentProvider {
  private readonly win: Record<Variant, Accumulator> = { canary: new Accumulator(), baseline: new Accumulator() };
  private readonly step: Record<Variant, Accumulator> = { canary: new Accumulator(), baseline: new Accumulator() };
  /** Seconds [winLo, winHi] are in the window accumulators, [stepLo, stepHi] in the step's. */
  private winLo = 0;
  private winHi = -1;
  private stepLo = -1;
  private stepHi = -1;

  constructor(
    private readonly rec: Recording,
    private readonly t0: number,
  ) {}

  snapshot(atMs: number, windowSeconds: number, stepStartedAt: number): Snapshot {
    const toSecond = Math.floor((atMs - this.t0) / 1000) - 1;
    const w = Math.max(1, Math.round(windowSeconds));
    const fromSecond = toSecond - w + 1;
    this.slideWindow(Math.max(0, fromSecond), toSecond);
    const stepFrom = Math.floor((stepStartedAt - this.t0) / 1000);
    this.slideStep(stepFrom, toSecond);
    const values = (v: Variant): VariantValues | null => {
      const a = this.win[v];
      if (a.requests === 0) return null;
      const h = a.histogram();
      return { requests: a.requests, request_rate: a.requests / w, p50_ms: quantile(h, 0.5), p95_ms: quantile(h, 0.95), p99_ms: quantile(h, 0.99), error_rate: (100 * a.errors) / a.requests, cpu_pct: null, memory_pct: null };
    };
    // A variant without a row in the step is null, as variantCounts() returns it.
    const counts = (v: Variant): VariantCounts | null => {
      const a = this.step[v];
      if (a.requests === 0) return null;
      return { requests: a.requests, errors: a.errors, latency: a.histogram() };
    };
    return {
      windowSeconds: w,
      step: { since: this.t0 + stepFrom * 1000, canary: counts("canary"), baseline: counts("baseline") },
      canary: values("canary"),
      baseline: values("baseline"),
      series: { canary: SERIES_OF(this.rec.rows.canary, fromSecond, toSecond), baseline: SERIES_OF(this.rec.rows.baseline, fromSecond, toSecond) },
    };
  }

  private each(s: number, sign: 1 | -1, into: Record<Variant, Accumulator>): void {
    for (const v of VARIANTS) {
      const row = this.rec.rows[v][s];
      if (row) into[v].apply(row, sign);
    }
  }

  private slideWindow(lo: number, hi: number): void {
    while (this.winHi < hi) this.each(++this.winHi, 1, this.win);
    while (this.winLo < lo) {
      if (this.winLo <= this.winHi) this.each(this.winLo, -1, this.win);
      this.winLo++;
    }
  }

  private slideStep(lo: number, hi: number): void {
    if (lo !== this.stepLo) {
      for (const v of VARIANTS) this.step[v].clear();
      this.stepLo = lo;
      this.stepHi = lo - 1;
    }
    while (this.stepHi < hi) this.each(++this.stepHi, 1, this.step);
  }
}

/** The pre-issue-9 builtin provider (git 509c9dd): per-second percentiles averaged request-weighted. */
export function legacySnapshot(rec: Recording, t0: number, atMs: number, windowSeconds: number): LegacySnapshot {
  const toSecond = Math.floor((atMs - t0) / 1000) - 1;
  const w = Math.max(1, Math.round(windowSeconds));
  const fromSecond = toSecond - w + 1;
  const values = (v: Variant): LegacyValues | null => {
    let requests = 0;
    let errors = 0;
    let p50 = 0;
    let p95 = 0;
    let p99 = 0;
    for (let s = Math.max(0, fromSecond); s <= toSecond; s++) {
      const r = rec.rows[v][s];
      if (!r) continue;
      requests += r.requests;
      errors += r.errors;
      p50 += r.p50 * r.requests;
      p95 += r.p95 * r.requests;
      p99 += r.p99 * r.requests;
    }
    if (requests === 0) return null;
    return { requests, request_rate: requests / w, p50_ms: p50 / requests, p95_ms: p95 / requests, p99_ms: p99 / requests, error_rate: (100 * errors) / requests, cpu_pct: null, memory_pct: null };
  };
  return {
    windowSeconds: w,
    canary: values("canary"),
    baseline: values("baseline"),
    series: { canary: SERIES_OF(rec.rows.canary, fromSecond, toSecond), baseline: SERIES_OF(rec.rows.baseline, fromSecond, toSecond) },
  };
}
