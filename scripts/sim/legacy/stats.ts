// FROZEN COPY, bench-only: lib/domain/analysis/stats.ts as of commit 509c9dd (imported by the legacy judge).
/** Error budget burn rate (Google SRE workbook): error rate (fraction) / (1 - SLO target). */
export function burnRate(errorRatePct: number, sloTarget: number): number {
  return errorRatePct / 100 / (1 - sloTarget);
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

export interface MannWhitney {
  /** U of the first sample (the number of pairs where x beats y, ties count half). */
  u: number;
  uOther: number;
  z: number;
  /** Two-sided p-value (normal approximation, tie and continuity corrected). */
  pTwoSided: number;
  /** One-sided p-value for "x tends to be larger than y". */
  pGreater: number;
}

/**
 * Mann-Whitney U test (as Kayenta's judge uses it): ranks both samples together, ties get their
 * average rank. Returns null when either sample is empty.
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): MannWhitney | null {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return null;
  const all = [...x.map((v) => ({ v, g: 0 })), ...y.map((v) => ({ v, g: 1 }))].sort((a, b) => a.v - b.v);
  const n = n1 + n2;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const avg = (i + j) / 2 + 1;
    const t = j - i + 1;
    if (t > 1) tieTerm += t ** 3 - t;
    for (let k = i; k <= j; k++) if (all[k]!.g === 0) rankSumX += avg;
    i = j + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const uOther = n1 * n2 - u;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(sigma > 0)) return { u, uOther, z: 0, pTwoSided: 1, pGreater: 1 };
  const d = u - mu;
  const zTwo = (Math.abs(d) - 0.5) / sigma;
  const pTwoSided = Math.min(1, 2 * (1 - normalCdf(Math.max(0, zTwo))));
  const pGreater = 1 - normalCdf((d - 0.5) / sigma);
  return { u, uOther, z: d / sigma, pTwoSided, pGreater };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface JudgeInput {
  /** Per-interval values of one metric for each variant (e.g. mean latency per second). */
  name: string;
  canary: readonly number[];
  baseline: readonly number[];
  /** Absolute slack added to the tolerance (e.g. 1 percentage point for error rates). */
  slack?: number;
}

export interface JudgeResult {
  /** 0-100: share of judged metrics where the canary is not significantly worse; null when none could be judged. */
  score: number | null;
  metrics: { name: string; p: number | null; canaryMedian: number; baselineMedian: number; pass: boolean | null }[];
}

/**
 * Kayenta-style score: a metric fails when the canary is significantly larger (one-sided
 * Mann-Whitney p < alpha) and its median is also worse than baseline * (1 + tolerance) + slack.
 */
export function judge(inputs: readonly JudgeInput[], opts: { alpha: number; tolerancePct: number; minPoints: number }): JudgeResult {
  const metrics = inputs.map((m) => {
    const cm = median(m.canary);
    const bm = median(m.baseline);
    if (m.canary.length < opts.minPoints || m.baseline.length < opts.minPoints) return { name: m.name, p: null, canaryMedian: cm, baselineMedian: bm, pass: null };
    const t = mannWhitney(m.canary, m.baseline);
    const p = t?.pGreater ?? 1;
    const worse = cm > bm * (1 + opts.tolerancePct / 100) + (m.slack ?? 0);
    return { name: m.name, p, canaryMedian: cm, baselineMedian: bm, pass: !(p < opts.alpha && worse) };
  });
  const judged = metrics.filter((m) => m.pass !== null);
  return { score: judged.length ? Math.round((100 * judged.filter((m) => m.pass).length) / judged.length) : null, metrics };
}
