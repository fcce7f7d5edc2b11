// Small statistics for the harness' figures (independent of the product's sequential.ts on purpose).

/** ln C(n, k). */
function lnChoose(n: number, k: number): number {
  return lnGammaInt(n + 1) - lnGammaInt(k + 1) - lnGammaInt(n - k + 1);
}

const LN_FACT: number[] = [0, 0];
/** ln (m - 1)! for integer m >= 1 (cached sums: the harness' n stays in the tens of thousands). */
function lnGammaInt(m: number): number {
  for (let i = LN_FACT.length; i <= m; i++) LN_FACT.push(LN_FACT[i - 1]! + Math.log(i - 1));
  return LN_FACT[m]!;
}

/** P(X <= x) for X ~ Binomial(n, p). */
export function binomialCdf(x: number, n: number, p: number): number {
  if (x >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  let s = 0;
  for (let k = 0; k <= x; k++) s += Math.exp(lnChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
  return Math.min(1, s);
}

/**
 * One-sided Clopper-Pearson upper bound at `level` (0.95): the largest rate under which seeing at
 * most x events in n runs still has probability >= 1 - level. For x = 0 it is 1 - 0.05^(1/n) ~ 3/n
 * (the rule of three).
 */
export function clopperPearsonUpper(x: number, n: number, level = 0.95): number {
  if (n === 0) return 1;
  if (x >= n) return 1;
  const tail = 1 - level;
  if (x === 0) return 1 - tail ** (1 / n);
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(x, n, mid) > tail) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Nearest-rank percentile of values where Infinity stands for "never happened" (censored runs). */
export function censoredPercentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
