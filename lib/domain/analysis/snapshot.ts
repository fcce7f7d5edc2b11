import type { Snapshot, VariantCounts, VariantValues } from "./evaluate";
import { type SparseHistogram, SparseAccumulator, quantile } from "./histogram";

/**
 * The built-in provider's snapshot (REQUIREMENTS I1, I6) as pure functions, shared by
 * lib/metrics/builtin.ts (readings from SQLite) and the replay (readings from rows in memory):
 * which seconds an evaluation reads, and how the readings become window values, judge series and
 * the step's counts.
 */
export const VARIANTS = ["canary", "baseline"] as const;
export type Variant = (typeof VARIANTS)[number];

/** The seconds one evaluation at `at` reads (all bounds inclusive). */
export interface EvaluationRange {
  /** The window: [fromSecond, toSecond], `seconds` long. */
  fromSecond: number;
  toSecond: number;
  seconds: number;
  /** The step's counts: [stepFrom, toSecond] (empty while the step's first second is not over). */
  stepFrom: number;
}

export function evaluationRange(at: number, windowSeconds: number, stepStartedAt: number): EvaluationRange {
  // The router writes a second once it is over: the window ends at the last complete second.
  const toSecond = Math.floor(at / 1000) - 1;
  const fromSecond = toSecond - Math.max(1, Math.round(windowSeconds)) + 1;
  // The step's counts start at its first whole second (a request of that second before the step began is counted).
  return { fromSecond, toSecond, seconds: toSecond - fromSecond + 1, stepFrom: Math.floor(stepStartedAt / 1000) };
}

/** One variant's totals over the window with its window percentiles (db/queries windowAggregates). */
export interface WindowTotals {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

/** What the built-in provider reads for one evaluation, per variant (null: no rows). */
export interface BuiltinReadings {
  window: Record<Variant, WindowTotals | null>;
  /** Average CPU and memory of the variant's process over the window. */
  resources: Record<Variant, { cpu: number | null; memory: number | null } | null>;
  /** The window's per-second rows (the judge's samples). */
  series: readonly { variant: Variant; mean: number; requests: number; errors: number }[];
  /** Counts since the step began. */
  counts: Record<Variant, VariantCounts | null>;
}

/** The snapshot the built-in provider answers with, from its readings. */
export function builtinSnapshot(range: EvaluationRange, r: BuiltinReadings): Snapshot {
  const values = (variant: Variant): VariantValues | null => {
    const a = r.window[variant];
    if (!a || a.requests === 0) return null;
    const res = r.resources[variant];
    return {
      requests: a.requests,
      request_rate: a.requests / range.seconds,
      p50_ms: a.p50,
      p95_ms: a.p95,
      p99_ms: a.p99,
      error_rate: (100 * a.errors) / a.requests,
      cpu_pct: res?.cpu ?? null,
      memory_pct: res?.memory ?? null,
    };
  };
  const seriesOf = (variant: Variant) => {
    const mine = r.series.filter((x) => x.variant === variant);
    return { latency: mine.map((x) => x.mean), errors: mine.map((x) => (100 * x.errors) / Math.max(1, x.requests)) };
  };
  return {
    windowSeconds: range.seconds,
    step: { since: range.stepFrom * 1000, canary: r.counts.canary, baseline: r.counts.baseline },
    canary: values("canary"),
    baseline: values("baseline"),
    series: { canary: seriesOf("canary"), baseline: seriesOf("baseline") },
  };
}

/** One stored second of one variant (a metric_samples row; `latency` null in rows from before histograms). */
export interface SampleRow {
  second: number;
  variant: Variant;
  version: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  latency: SparseHistogram | null;
}

/** One /proc sample of a variant's process (a resource_samples row). */
export interface ResourceRow {
  second: number;
  variant: Variant;
  cpuPct: number | null;
  memoryPct: number | null;
}

/** Running sums of one variant over a range of rows; the histogram is kept sparse so rows can leave the window. */
class Totals {
  rows = 0;
  requests = 0;
  errors = 0;
  /** Rows that carried a histogram, and the sum of their buckets. */
  histRows = 0;
  hist: SparseHistogram = {};

  apply(row: SampleRow, sign: 1 | -1): void {
    this.rows += sign;
    this.requests += sign * row.requests;
    this.errors += sign * row.errors;
    if (!row.latency) return;
    this.histRows += sign;
    for (const k in row.latency) {
      const n = (this.hist[k] ?? 0) + sign * row.latency[k]!;
      if (n === 0) delete this.hist[k];
      else this.hist[k] = n;
    }
  }

  clear(): void {
    this.rows = this.requests = this.errors = this.histRows = 0;
    this.hist = {};
  }
}

/**
 * The built-in provider over rows held in memory (replay): the readings windowAggregates,
 * resourceAverages, secondSeries and variantCounts return from SQLite, kept as running sums
 * because evaluation times only move forward (an earlier `at` starts over).
 * Rows of other versions than the rollout's two are ignored, as the SQL filters them.
 */
export class SampleReader {
  readonly #rows: SampleRow[];
  readonly #resources: ResourceRow[];
  readonly #acc = new SparseAccumulator();
  readonly #win: Record<Variant, Totals> = { canary: new Totals(), baseline: new Totals() };
  readonly #step: Record<Variant, Totals> = { canary: new Totals(), baseline: new Totals() };
  /** Rows [#winLo, #winHi) are in the window totals; the step's totals hold rows from its first second up to #stepHi. */
  #winLo = 0;
  #winHi = 0;
  #stepHi = 0;
  #stepFrom: number | null = null;
  #last = { from: -Infinity, to: -Infinity };

  constructor(rows: readonly SampleRow[], resources: readonly ResourceRow[], versions: { canary: string; baseline: string }) {
    this.#rows = rows.filter((r) => r.version === versions[r.variant]).sort((a, b) => a.second - b.second);
    this.#resources = [...resources].sort((a, b) => a.second - b.second);
  }

  snapshot(at: number, windowSeconds: number, stepStartedAt: number): Snapshot {
    const range = evaluationRange(at, windowSeconds, stepStartedAt);
    return builtinSnapshot(range, this.readings(range));
  }

  readings(range: EvaluationRange): BuiltinReadings {
    const rows = this.#rows;
    if (range.toSecond < this.#last.to || range.fromSecond < this.#last.from) this.#reset();
    this.#last = { from: range.fromSecond, to: range.toSecond };
    // Window: add what arrived, then drop what fell out (every dropped row had been added: it is below fromSecond <= toSecond + 1).
    while (this.#winHi < rows.length && rows[this.#winHi]!.second <= range.toSecond) this.#apply(this.#win, this.#winHi++, 1);
    while (this.#winLo < this.#winHi && rows[this.#winLo]!.second < range.fromSecond) this.#apply(this.#win, this.#winLo++, -1);
    if (range.stepFrom !== this.#stepFrom) {
      this.#stepFrom = range.stepFrom;
      for (const v of VARIANTS) this.#step[v].clear();
      this.#stepHi = firstAtOrAfter(rows, range.stepFrom);
    }
    while (this.#stepHi < rows.length && rows[this.#stepHi]!.second <= range.toSecond) this.#apply(this.#step, this.#stepHi++, 1);

    const inWindow = rows.slice(this.#winLo, this.#winHi);
    const resources = this.#resources.slice(firstAtOrAfter(this.#resources, range.fromSecond), firstAtOrAfter(this.#resources, range.toSecond + 1));
    const by = <T>(f: (v: Variant) => T): Record<Variant, T> => ({ canary: f("canary"), baseline: f("baseline") });
    return {
      window: by((v) => this.#windowTotals(v, inWindow)),
      resources: by((v) => {
        const mine = resources.filter((r) => r.variant === v);
        if (!mine.length) return null;
        const avg = (xs: (number | null)[]) => {
          const ok = xs.filter((x): x is number => x !== null);
          return ok.length ? ok.reduce((s, x) => s + x, 0) / ok.length : null;
        };
        return { cpu: avg(mine.map((r) => r.cpuPct)), memory: avg(mine.map((r) => r.memoryPct)) };
      }),
      series: inWindow.map((r) => ({ variant: r.variant, mean: r.meanMs, requests: r.requests, errors: r.errors })),
      counts: by((v) => {
        const t = this.#step[v];
        return t.rows ? { requests: t.requests, errors: t.errors, latency: this.#histogram(t) } : null;
      }),
    };
  }

  /** Sums and percentiles as windowAggregates computes them: from the merged histogram, else request-weighted per-second percentiles. */
  #windowTotals(v: Variant, inWindow: readonly SampleRow[]): WindowTotals | null {
    const t = this.#win[v];
    if (!t.rows) return null;
    const h = this.#histogram(t);
    if (h) return { requests: t.requests, errors: t.errors, p50: quantile(h, 0.5), p95: quantile(h, 0.95), p99: quantile(h, 0.99) };
    const mine = inWindow.filter((r) => r.variant === v);
    const weighted = (p: (r: SampleRow) => number) => mine.reduce((s, r) => s + p(r) * r.requests, 0) / t.requests;
    return { requests: t.requests, errors: t.errors, p50: weighted((r) => r.p50Ms), p95: weighted((r) => r.p95Ms), p99: weighted((r) => r.p99Ms) };
  }

  /** The merged histogram (as fromSparse builds it), or null when no row has one or it is empty. */
  #histogram(t: Totals) {
    if (!t.histRows) return null;
    this.#acc.addSparse(t.hist);
    const h = this.#acc.histogram();
    return h.counts.length ? h : null;
  }

  #apply(into: Record<Variant, Totals>, i: number, sign: 1 | -1): void {
    const row = this.#rows[i]!;
    into[row.variant].apply(row, sign);
  }

  #reset(): void {
    for (const v of VARIANTS) {
      this.#win[v].clear();
      this.#step[v].clear();
    }
    this.#winLo = this.#winHi = this.#stepHi = 0;
    this.#stepFrom = null;
  }
}

/** Index of the first row at or after `second` in rows sorted by second. */
function firstAtOrAfter(rows: readonly { second: number }[], second: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.second < second) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
