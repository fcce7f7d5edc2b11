/**
 * Anytime-valid sequential tests on counts (REQUIREMENTS I6), after Lindon, Sanden & Shirikian,
 * "Rapid Regression Detection in Software Deployments through Sequential Testing" (KDD 2022) and
 * Lindon & Malek, "Anytime-valid inference for multinomial count data" (NeurIPS 2022).
 *
 * Each test is a mixture likelihood ratio (a Bayes factor) of Bernoulli counts: under its null it
 * is a nonnegative supermartingale with expectation <= 1, so by Ville's inequality the chance it
 * EVER reaches 1/alpha, however often it is looked at, is at most alpha. No minimum sample size:
 * 3 failures in 9 against a 1% threshold is already evidence; 0 in 20 is not evidence of safety.
 *
 * - breachEvidence(x, n, p0): evidence that the rate is ABOVE p0 (null: rate <= p0). The prior on
 *   the alternative is Beta(a, b) truncated to (p0, 1]; each q > p0 gives a supermartingale for
 *   every rate <= p0, so the mixture does too (composite null).
 * - safetyEvidence(x, n, p1): evidence that the rate is BELOW p1 (null: rate >= p1), prior
 *   truncated to [0, p1).
 * - Two samples (canary vs baseline): conditional on a failure, it came from the canary with
 *   probability rho = nc*pc / (nc*pc + nb*pb); "canary <= baseline * (1 + d)" is rho <= rho0 =
 *   nc(1+d) / (nc(1+d) + nb), so the one-sample test runs on (canary failures, all failures).
 *
 * Pure: no imports from db, next or react.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Gamma(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let s = 0.99999999999980993;
  for (let i = 0; i < LANCZOS.length; i++) s += LANCZOS[i]! / (z + i + 1);
  const t = z + LANCZOS.length - 0.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** ln B(a, b). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/**
 * ln of the lower and upper regularized incomplete beta, ln I_x(a, b) and ln (1 - I_x(a, b)),
 * each computed directly (no cancellation) so tiny tails stay accurate.
 */
export function lnIncompleteBeta(x: number, a: number, b: number): { lower: number; upper: number } {
  if (x <= 0) return { lower: -Infinity, upper: 0 };
  if (x >= 1) return { lower: 0, upper: -Infinity };
  const lnFront = a * Math.log(x) + b * Math.log1p(-x) - lnBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    const lower = lnFront + Math.log(betaContinuedFraction(x, a, b)) - Math.log(a);
    return { lower, upper: log1mexp(lower) };
  }
  const upper = lnFront + Math.log(betaContinuedFraction(1 - x, b, a)) - Math.log(b);
  return { lower: log1mexp(upper), upper };
}

/** ln(1 - e^v) for v <= 0. */
function log1mexp(v: number): number {
  if (v === 0) return -Infinity;
  return v > -Math.LN2 ? Math.log(-Math.expm1(v)) : Math.log1p(-Math.exp(v));
}

/** Mixing prior on the alternative: Beta(a, b) (truncated to the alternative's side). */
export interface Prior {
  a: number;
  b: number;
}

/** The default prior: uniform, which detects large regressions fastest at low traffic. */
export const UNIFORM_PRIOR: Prior = { a: 1, b: 1 };

function check(x: number, n: number, p: number): void {
  if (!Number.isFinite(x) || !Number.isFinite(n) || x < 0 || n < 0 || x > n) throw new RangeError(`invalid counts ${x} of ${n}`);
  if (!(p > 0 && p < 1)) throw new RangeError(`invalid rate ${p}`);
}

/**
 * ln of the evidence that the rate is above p0 after x failures in n trials (null: rate <= p0).
 * Reaching ln(1/alpha) rejects the null with false-alarm probability <= alpha at any stopping time.
 */
export function lnBreachEvidence(x: number, n: number, p0: number, prior: Prior = UNIFORM_PRIOR): number {
  check(x, n, p0);
  const post = lnIncompleteBeta(p0, x + prior.a, n - x + prior.b).upper + lnBeta(x + prior.a, n - x + prior.b);
  const norm = lnIncompleteBeta(p0, prior.a, prior.b).upper + lnBeta(prior.a, prior.b);
  return post - norm - (x * Math.log(p0) + (n - x) * Math.log1p(-p0));
}

/** ln of the evidence that the rate is below p1 after x failures in n trials (null: rate >= p1). */
export function lnSafetyEvidence(x: number, n: number, p1: number, prior: Prior = UNIFORM_PRIOR): number {
  check(x, n, p1);
  const post = lnIncompleteBeta(p1, x + prior.a, n - x + prior.b).lower + lnBeta(x + prior.a, n - x + prior.b);
  const norm = lnIncompleteBeta(p1, prior.a, prior.b).lower + lnBeta(prior.a, prior.b);
  return post - norm - (x * Math.log(p1) + (n - x) * Math.log1p(-p1));
}

/**
 * The null share of failures from the canary when "canary rate <= baseline rate * (1 + d)",
 * given each variant's exposure (requests) so far.
 */
export function canaryShareUnderNull(canaryRequests: number, baselineRequests: number, d: number): number {
  const c = canaryRequests * (1 + d);
  return c / (c + baselineRequests);
}

/**
 * Upper confidence bound of a rate (anytime-valid confidence sequence at level 1 - alpha): the
 * smallest p1 whose safety evidence reaches 1/alpha. 1 when even p1 = 1 is not excluded.
 */
export function upperBound(x: number, n: number, alpha: number, prior: Prior = UNIFORM_PRIOR): number {
  const target = Math.log(1 / alpha);
  let lo = Math.max(1e-9, x / Math.max(1, n));
  let hi = 1 - 1e-9;
  if (lnSafetyEvidence(x, n, hi, prior) < target) return 1;
  // Bracket it near the rate seen (rarely more than a few standard errors above), then bisect to 1%
  // of the bound: a display figure on the hot path of every evaluation.
  const p = x / Math.max(1, n);
  const guess = Math.min(hi, p + 6 * Math.sqrt((p * (1 - p) + 1 / Math.max(1, n)) / Math.max(1, n)) + 20 / Math.max(1, n));
  if (lnSafetyEvidence(x, n, guess, prior) >= target) hi = guess;
  else lo = guess;
  while (hi - lo > 1e-2 * hi) {
    const mid = (lo + hi) / 2;
    if (lnSafetyEvidence(x, n, mid, prior) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * How many more trials, at the rate seen so far, until the safety evidence against p1 reaches
 * 1/alpha ("needs ~40 more canary requests"). Null when the rate seen is not below p1 (more of
 * the same would never show safety) or it would take more than `cap`.
 */
export function trialsToSafety(x: number, n: number, p1: number, alpha: number, prior: Prior = UNIFORM_PRIOR, cap = 10_000_000): number | null {
  const target = Math.log(1 / alpha);
  if (lnSafetyEvidence(x, n, p1, prior) >= target) return 0;
  // Project with the rate seen so far.
  const rate = n > 0 ? x / n : 0;
  if (rate >= p1) return null;
  const at = (extra: number) => lnSafetyEvidence(Math.min(n + extra, x + rate * extra), n + extra, p1, prior) >= target;
  let hi = 1;
  while (!at(hi)) {
    hi *= 2;
    if (hi > cap) return null;
  }
  let lo = Math.floor(hi / 2);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
