import { describe, expect, it } from "vitest";
import { type AnalysisConfig, DEFAULT_ANALYSIS, analysisConfigSchema } from "@/lib/domain/analysis/config";
import { type AnalysisState, type Evaluation, type FetchResult, type VariantCounts, type VariantValues, enterStep, evaluate, initialAnalysisState } from "@/lib/domain/analysis/evaluate";
import { fromSparse, quantile, sparseOf } from "@/lib/domain/analysis/histogram";
import { ruleAlphas, testKey } from "@/lib/domain/analysis/count-rules";
import { effectiveRules } from "@/lib/domain/analysis/config";
import { lnBeta, lnBreachEvidence, lnGamma, lnIncompleteBeta, lnSafetyEvidence, trialsToSafety, upperBound } from "@/lib/domain/analysis/sequential";

describe("the tests' maths against known values", () => {
  it("ln Gamma and ln Beta", () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lnBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 12);
  });
  it("regularized incomplete beta: I_0.5(2, 3) = 11/16, I_0.2(1, 1) = 0.2, tails without cancellation", () => {
    expect(Math.exp(lnIncompleteBeta(0.5, 2, 3).lower)).toBeCloseTo(11 / 16, 12);
    expect(Math.exp(lnIncompleteBeta(0.2, 1, 1).lower)).toBeCloseTo(0.2, 12);
    expect(Math.exp(lnIncompleteBeta(0.2, 1, 1).upper)).toBeCloseTo(0.8, 12);
    // I_0.01(1, 500) upper tail = 0.99^500 = 0.00657
    expect(Math.exp(lnIncompleteBeta(0.01, 1, 500).upper)).toBeCloseTo(0.99 ** 500, 12);
  });
  // Reference values by numeric integration of the truncated-uniform mixture (200,000 midpoints).
  it.each([
    [3, 9, 0.01, 7.1525, -1.3741],
    [0, 20, 0.05, -3.0445, 0.5607],
    [5, 15, 0.05, 4.7629, -1.7149],
    [11, 35, 0.05, 10.8027, -2.3839],
    [0, 300, 0.01, -5.7071, 1.8634],
    [2, 100, 0.02, -3.6968, -0.5187],
  ])("%d failures of %d against %d: ln breach evidence %d, ln safety evidence %d", (x, n, p, breach, safety) => {
    expect(lnBreachEvidence(x, n, p)).toBeCloseTo(breach, 3);
    expect(lnSafetyEvidence(x, n, p)).toBeCloseTo(safety, 3);
  });
  it("closed form: no failures in n gives breach evidence 1/(n+1) under the uniform prior", () => {
    for (const n of [0, 1, 10, 1000]) expect(Math.exp(lnBreachEvidence(0, n, 0.05))).toBeCloseTo(1 / (n + 1), 10);
  });
  it("3 failures in 9 against 1% is evidence; 0 in 20 is not evidence of safety against 5%", () => {
    expect(Math.exp(lnBreachEvidence(3, 9, 0.01))).toBeGreaterThan(1000);
    expect(Math.exp(lnSafetyEvidence(0, 20, 0.05))).toBeLessThan(2);
    expect(upperBound(0, 20, 0.2)).toBeGreaterThan(0.1);
    expect(upperBound(0, 300, 0.2)).toBeLessThan(0.01);
  });
  it("exposure still needed to show safety, at the rate seen", () => {
    const needs = trialsToSafety(0, 20, 0.05, 0.2)!;
    expect(needs).toBeGreaterThan(10);
    expect(lnSafetyEvidence(0, 20 + needs, 0.05)).toBeGreaterThanOrEqual(Math.log(5));
    expect(lnSafetyEvidence(0, 20 + needs - 1, 0.05)).toBeLessThan(Math.log(5));
    expect(trialsToSafety(5, 20, 0.05, 0.2)).toBeNull(); // 25% seen: more of the same never shows < 5%
  });
  it("Ville: at the null's boundary the evidence reaches 1/alpha in at most ~alpha of runs, however often it is looked at", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alpha = 0.05;
    let crossed = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      let x = 0;
      for (let n = 1; n <= 400; n++) {
        if (rand() < 0.05) x++;
        if (lnBreachEvidence(x, n, 0.05) >= Math.log(1 / alpha)) {
          crossed++;
          break;
        }
      }
    }
    // alpha = 5% of 400 = 20 expected at most; allow sampling noise (binomial sd ~4.4).
    expect(crossed / runs).toBeLessThan(0.08);
  });
});

/** Per-second traffic of one variant: requests, 5xx share, and a latency mix. */
interface Traffic {
  rps: number;
  errorPct: number;
  slowShare?: number;
  slowMs?: number;
}

/**
 * Deterministic count streams: every second each variant gets `rps` requests (fractions carry),
 * errors and slow requests follow their shares exactly (cumulative rounding), and the snapshot
 * carries the step's cumulative counts with histograms plus the last 10 s's values (the window).
 */
function stream(cfg: AnalysisConfig, canary: (t: number) => Traffic, baseline: Traffic, seconds: number, start: AnalysisState = initialAnalysisState()): Evaluation[] {
  const cum = { canary: { n: 0, e: 0, slow: 0, fast: 0, reqF: 0, errF: 0, slowF: 0 }, baseline: { n: 0, e: 0, slow: 0, fast: 0, reqF: 0, errF: 0, slowF: 0 } };
  const history: { canary: { n: number; e: number; slow: number }; baseline: { n: number; e: number; slow: number } }[] = [];
  const out: Evaluation[] = [];
  let state = enterStep(start, "0:5", 0);
  for (let t = 1; t <= seconds; t++) {
    for (const [k, tr] of [["canary", canary(t)], ["baseline", baseline]] as const) {
      const c = cum[k];
      c.reqF += tr.rps;
      const n = Math.floor(c.reqF) - c.n;
      c.n += n;
      c.errF += (n * tr.errorPct) / 100;
      c.e = Math.min(c.n, Math.round(c.errF));
      c.slowF += n * (tr.slowShare ?? 0);
      c.slow = Math.round(c.slowF);
      c.fast = c.n - c.slow;
    }
    history.push({ canary: { n: cum.canary.n, e: cum.canary.e, slow: cum.canary.slow }, baseline: { n: cum.baseline.n, e: cum.baseline.e, slow: cum.baseline.slow } });
    const hist = (fast: number, slow: number, slowMs: number) => fromSparse(sparseOf([...Array<number>(fast).fill(5), ...Array<number>(slow).fill(slowMs)]));
    const counts = (k: "canary" | "baseline", slowMs: number): VariantCounts => ({ requests: cum[k].n, errors: cum[k].e, latency: hist(cum[k].fast, cum[k].slow, slowMs) });
    // The window: the last 10 s of the stream.
    const values = (k: "canary" | "baseline", slowMs: number): VariantValues | null => {
      const from = history.length > 10 ? history[history.length - 11]![k] : { n: 0, e: 0, slow: 0 };
      const n = cum[k].n - from.n;
      const slow = cum[k].slow - from.slow;
      if (!n) return null;
      const h = hist(n - slow, slow, slowMs);
      return { requests: n, request_rate: n / Math.min(t, 10), p50_ms: quantile(h, 0.5), p95_ms: quantile(h, 0.95), p99_ms: quantile(h, 0.99), error_rate: (100 * (cum[k].e - from.e)) / n, cpu_pct: null, memory_pct: null };
    };
    const slowC = canary(t).slowMs ?? 5;
    const slowB = baseline.slowMs ?? 5;
    const input: FetchResult = { ok: true, snapshot: { windowSeconds: 10, canary: values("canary", slowC), baseline: values("baseline", slowB), step: { since: 0, canary: counts("canary", slowC), baseline: counts("baseline", slowB) } } };
    const e = evaluate(cfg, state, input, t * 1000);
    out.push(e);
    state = e.state;
  }
  return out;
}
const firstDecision = (es: Evaluation[]) => es.find((e) => e.decision)?.decision ?? null;
const only = (rules: unknown[], extra: Record<string, unknown> = {}): AnalysisConfig => analysisConfigSchema.parse({ rules, health: { enabled: false }, judge: { enabled: false }, ...extra });
const clean: Traffic = { rps: 50, errorPct: 0.1 };

describe("runbook 002's matrix on count streams: each row fires with its action once its breach is established and sustained", () => {
  const rows: [string, Traffic, string, string][] = [
    ["P95 > 600 ms for 5 min -> gradual", { rps: 20, errorPct: 0, slowShare: 0.3, slowMs: 800 }, "rollback_gradual", "002-p95-600"],
    ["P95 > 1000 ms for 2 min -> immediate", { rps: 20, errorPct: 0, slowShare: 0.3, slowMs: 1500 }, "rollback_immediate", "002-p95-1000"],
    ["5xx > 1% for 5 min -> gradual", { rps: 20, errorPct: 4 }, "rollback_gradual", "002-5xx-1"],
    ["5xx > 5% for 1 min -> immediate", { rps: 20, errorPct: 20 }, "rollback_immediate", "002-5xx-5"],
    ["burn > 2x for 10 min -> gradual", { rps: 20, errorPct: 6 }, "rollback_gradual", "002-burn-2"],
    ["burn > 5x for 2 min -> immediate", { rps: 20, errorPct: 20 }, "rollback_immediate", "002-burn-5"],
  ];
  it.each(rows)("%s", (_name, canary, action, ruleId) => {
    const rule = DEFAULT_ANALYSIS.rules.find((r) => r.id === ruleId)!;
    const es = stream(only([rule]), () => canary, clean, rule.forSeconds + 120);
    const d = firstDecision(es)!;
    expect(d).toMatchObject({ kind: action, ruleId });
    // The breach stayed established at every evaluation of the rule's duration before the decision.
    expect(es.find((e) => e.decision)!.at).toBe(d.satisfiedAt);
    const streak = es.filter((e) => e.at >= d.satisfiedAt - rule.forSeconds * 1000 && e.at < d.satisfiedAt);
    expect(streak.length).toBe(rule.forSeconds);
    expect(streak.every((e) => e.breaches.some((b) => b.ruleId === ruleId))).toBe(true);
    expect(d.evidence!.value).toBeGreaterThanOrEqual(1 / d.evidence!.alpha);
  });

  it("the decision sentence carries counts, evidence and alpha", () => {
    const rule = DEFAULT_ANALYSIS.rules.find((r) => r.id === "002-5xx-5")!;
    const d = firstDecision(stream(only([rule], { timeScale: 0.02 }), () => ({ rps: 1, errorPct: 33 }), { rps: 19, errorPct: 0.5 }, 60))!;
    expect(d.sentence).toMatch(/^rolled back: canary 5xx \d+(\.\d+)?% \(\d+\/\d+\) vs baseline 0\.\d+% \(\d+\/\d+\) > 5% \(002-5xx-5, sustained 1\.2 s\); evidence [\d,]+ > 100 \(alpha 1%(, [\d,.]+ now)?\)$/);
    expect(d.evidence).toMatchObject({ alpha: 0.01 });
    expect(d.evidence!.canary.n).toBeLessThan(30); // decided on a few dozen requests, no minimum count
  });

  it("33% errors at 1 canary request/s is rolled back within seconds by the default rules (demo durations)", () => {
    const cfg = analysisConfigSchema.parse({ timeScale: 0.02, judge: { enabled: false }, health: { latencyFloorMs: 1000 } });
    const es = stream(cfg, () => ({ rps: 1, errorPct: 33 }), { rps: 19, errorPct: 0.5 }, 60);
    const at = es.find((e) => e.decision)!.at;
    expect(at).toBeLessThanOrEqual(20_000);
    // Runbook 002 rolls "> 5%" back immediately: a gradual rule that fires first while "> 5%" leans the same way takes its action.
    const d = firstDecision(es)!;
    expect(d.kind).toBe("rollback_immediate");
    if (!["002-5xx-5", "002-burn-5"].includes(d.ruleId!)) expect(d.sentence).toMatch(/; immediate as 002-(5xx|burn)-5 leans the same way \(canary [\d.]+% > 5%, evidence [\d,.]+\)$/);
  });
});

describe("durations, flapping and safety", () => {
  it("a flapping canary (6% for 50 s, 0% for 20 s) never fires the consecutive '5xx > 5% for 1 min' row, and is never promoted", () => {
    const cfg = analysisConfigSchema.parse({ judge: { enabled: false }, health: { enabled: false } });
    const flapping = (t: number): Traffic => ({ rps: 20, errorPct: t % 70 < 50 ? 6 : 0 });
    const es = stream(cfg, flapping, { rps: 380, errorPct: 0.1 }, 420);
    expect(es.some((e) => e.decision?.ruleId === "002-5xx-5")).toBe(false);
    expect(es.some((e) => e.verdict === "pass")).toBe(false);
    // Its cumulative 5xx rate (~4.3%) is established above 1% and above baseline + 10%: a gradual row rolls it back.
    expect(firstDecision(es)).toMatchObject({ ruleId: expect.stringMatching(/^(002-5xx-1|002-burn-2|001-errors-baseline)$/) as unknown, kind: "rollback_gradual" });
  });

  it("a breach whose evidence falls back restarts its streak (consecutive)", () => {
    const rule = { id: "r", metric: "error_rate", threshold: 5, forSeconds: 30, action: "rollback_immediate" };
    // 50% for 5 s establishes the breach, then a clean canary dilutes the evidence below 1/alpha before 30 s.
    const es = stream(only([rule]), (t) => ({ rps: 10, errorPct: t <= 5 ? 50 : 0 }), clean, 120);
    expect(es.some((e) => e.breaches.length > 0)).toBe(true);
    expect(firstDecision(es)).toBeNull();
  });

  it("promotion needs evidence of safety: a clean canary holds until every rollback rule is excluded, and says what it needs", () => {
    const cfg = analysisConfigSchema.parse({ judge: { enabled: false }, health: { enabled: false } });
    const es = stream(cfg, () => ({ rps: 2, errorPct: 0 }), { rps: 38, errorPct: 0 }, 400);
    expect(es[9]!.verdict).toBe("inconclusive"); // 20 clean requests are not evidence of safety
    expect(es[9]!.reasons[0]).toMatch(/^awaiting evidence of safety at 80%: .*needs ~[\d,]+ more canary requests/);
    const firstPass = es.findIndex((e) => e.verdict === "pass");
    expect(firstPass).toBeGreaterThan(50);
    expect(es[firstPass]!.evidence.filter((r) => r.action !== "hold").every((r) => r.safe)).toBe(true);
    // The demo waives it: no breach established and traffic seen is enough there.
    const demo = analysisConfigSchema.parse({ judge: { enabled: false }, health: { enabled: false }, sequential: { requireSafety: false } });
    expect(stream(demo, () => ({ rps: 2, errorPct: 0 }), { rps: 38, errorPct: 0 }, 3).at(-1)!.verdict).toBe("pass");
  });

  it("runbook 001: error rate > baseline + 10% (two samples, 0.5% floor)", () => {
    const rule = DEFAULT_ANALYSIS.rules.find((r) => r.id === "001-errors-baseline")!;
    const cfg = only([rule], { timeScale: 0.02 });
    expect(firstDecision(stream(cfg, () => ({ rps: 10, errorPct: 5 }), { rps: 190, errorPct: 1 }, 300))).toMatchObject({ kind: "rollback_gradual", ruleId: "001-errors-baseline" });
    expect(firstDecision(stream(cfg, () => ({ rps: 10, errorPct: 1 }), { rps: 190, errorPct: 1 }, 300))).toBeNull(); // the same rate
    // Against a clean baseline the floor is the threshold it quotes (baseline + 10% of 0% would read "> 0%").
    expect(firstDecision(stream(cfg, () => ({ rps: 10, errorPct: 10 }), { rps: 190, errorPct: 0 }, 300))!.sentence).toMatch(/ vs baseline 0% \(0\/\d+\) > 0\.5% \(baseline \+ 10%\) \(001-errors-baseline,/);
    expect(firstDecision(stream(cfg, () => ({ rps: 10, errorPct: 0.3 }), { rps: 190, errorPct: 0.01 }, 300))).toBeNull(); // below the floor
  });

  it("runbook 003's p99 rule catches a 1.5% tail of +1.5 s and quotes the true p99", () => {
    const cfg = analysisConfigSchema.parse({ rules: [], judge: { enabled: false }, timeScale: 0.02, health: { latencyFloorMs: 250 } });
    // +50% of a 1% tail share is a small effect: ~7,000 canary requests establish it (here 50/s).
    const d = firstDecision(stream(cfg, () => ({ rps: 50, errorPct: 0, slowShare: 0.015, slowMs: 1500 }), { rps: 950, errorPct: 0 }, 300))!;
    expect(d.ruleId).toMatch(/^003-p99-/);
    expect(d.canary!).toBeGreaterThan(1350);
    expect(d.canary!).toBeLessThan(1650);
  });
});

describe("the alpha budget and evidence across steps", () => {
  it("rules that test the same thing share one slot: the defaults' rollback rules are 7 distinct tests (alpha 1% / 7), the hold-only rules 2 (a budget of their own)", () => {
    const rules = effectiveRules(DEFAULT_ANALYSIS);
    const keyOf = (id: string) => testKey(rules.find((r) => r.id === id)!, DEFAULT_ANALYSIS);
    expect(keyOf("002-burn-5")).toBe(keyOf("002-5xx-5")); // 5x burn at SLO 99% = 5% 5xx
    expect(keyOf("002-burn-2")).toBe(keyOf("003-errors-unhealthy")); // 2%
    expect(keyOf("001-p95-slo")).toBe(keyOf("002-p95-600")); // SLO 500 ms + 20% = 600 ms
    expect(keyOf("003-p99-degraded")).not.toBe(keyOf("003-p99-unhealthy"));
    const alphaOf = ruleAlphas(DEFAULT_ANALYSIS, rules.filter((r) => ["error_rate", "burn_rate", "p50_ms", "p95_ms", "p99_ms"].includes(r.metric)));
    expect(alphaOf(rules.find((r) => r.id === "002-5xx-5")!)).toBeCloseTo(0.01 / 7, 12);
    expect(alphaOf(rules.find((r) => r.id === "003-errors-degraded")!)).toBeCloseTo(0.01 / 2, 12);
  });

  it("a fixed-threshold rule carries the canary's counts across steps (each test at half its alpha)", () => {
    const rule = { id: "r", metric: "error_rate", threshold: 5, forSeconds: 1, action: "rollback_immediate" };
    const cfg = only([rule]);
    const h = fromSparse(sparseOf(Array<number>(10).fill(5)));
    const snap = (bad: number, n: number): FetchResult => ({ ok: true, snapshot: { windowSeconds: 10, canary: null, baseline: null, step: { since: 0, canary: { requests: n, errors: bad, latency: h }, baseline: { requests: 200, errors: 0, latency: h } } } });
    // 4 of 12 at the 5% step is not yet evidence (at alpha 1%)...
    let s = enterStep(initialAnalysisState(), "0:5", 0);
    let e = evaluate(cfg, s, snap(4, 12), 1000);
    expect(e.breaches).toEqual([]);
    // ...nor 4 of 12 at the next step alone; together, 8 of 24 since the canary started, it is (and 9 of 26 a second later decides).
    s = enterStep(e.state, "1:10", 2000);
    expect(s.carried).toEqual({ r: { bad: 4, n: 12 } });
    e = evaluate(cfg, s, snap(4, 12), 3000);
    expect(e.breaches.map((b) => b.ruleId)).toEqual(["r"]);
    e = evaluate(cfg, e.state, snap(5, 14), 4000);
    expect(e.decision!.sentence).toMatch(/^rolled back: canary 5xx 34\.6% \(9\/26 since the canary started\) vs baseline 0% \(0\/200\) > 5% \(r, sustained 1 s\); evidence [\d,]+ > 100 \(alpha 1%\)$/);
    expect(Math.log(e.decision!.evidence!.value)).toBeCloseTo(lnBreachEvidence(9, 26, 0.05, { a: 0.1, b: 1.9 }) - Math.LN2, 9);
  });

  it("without evidence of safety (demo), a hold still does not end while the data leans towards a breach", () => {
    const demo = analysisConfigSchema.parse({ judge: { enabled: false }, health: { enabled: false }, sequential: { requireSafety: false } });
    const es = stream(demo, () => ({ rps: 1, errorPct: 20 }), { rps: 19, errorPct: 0 }, 6);
    expect(es.at(-1)!.verdict).toBe("inconclusive");
    expect(es.at(-1)!.reasons[0]).toMatch(/^leaning towards a breach: [\w-]+ \(canary 16\.67% of 6 requests vs [\d.]+%; evidence [\d,.]+ of [\d,]+ needed\)$/);
    expect(stream(demo, () => ({ rps: 1, errorPct: 0 }), { rps: 19, errorPct: 0 }, 6).at(-1)!.verdict).toBe("pass");
  });
});

describe("fail safe: never a pass without good data", () => {
  const cfg = analysisConfigSchema.parse({ errorLimit: 3, inconclusiveLimit: 4 });
  const snap = (step: { canary: VariantCounts | null; baseline: VariantCounts | null } | undefined): FetchResult => ({ ok: true, snapshot: { windowSeconds: 10, canary: null, baseline: null, ...(step ? { step: { since: 0, ...step } } : {}) } });
  const v = (requests: number, errors: number): VariantCounts => ({ requests, errors, latency: fromSparse(sparseOf(Array<number>(Number.isFinite(requests) ? Math.max(0, Math.min(requests, 1000)) : 0).fill(5))) });
  it.each([
    ["provider error", { ok: false, error: "connect ECONNREFUSED 127.0.0.1:9" }, "error", /metrics provider failed: connect ECONNREFUSED/],
    ["no step counts", snap(undefined), "error", /no counts for the step/],
    ["zero canary exposure", snap({ canary: v(0, 0), baseline: v(100, 0) }), "inconclusive", /no canary requests in this step/],
    ["no canary at all", snap({ canary: null, baseline: v(100, 0) }), "inconclusive", /no canary requests in this step/],
    ["NaN counts", snap({ canary: v(NaN, 0), baseline: v(100, 0) }), "error", /invalid counts for the canary/],
    ["negative counts", snap({ canary: v(10, -1), baseline: v(100, 0) }), "error", /invalid counts for the canary/],
    ["more 5xx than requests", snap({ canary: v(10, 0), baseline: v(10, 11) }), "error", /invalid counts for the baseline/],
  ] as const)("%s -> %s", (_n, input, verdict, reason) => {
    const e = evaluate(cfg, initialAnalysisState(), input, 0);
    expect(e.verdict).toBe(verdict);
    expect(e.reasons.join(" ")).toMatch(reason);
  });
  it("errors pause at the limit and again after a resume, saying how many since the last pause", () => {
    let s = initialAnalysisState();
    const kinds: (string | null)[] = [];
    const sentences: string[] = [];
    for (let t = 0; t < 6; t++) {
      const e = evaluate(cfg, s, { ok: false, error: "HTTP 503" }, t * 1000);
      s = e.state;
      kinds.push(e.decision?.kind ?? null);
      if (e.decision) sentences.push(e.decision.sentence);
    }
    expect(kinds).toEqual([null, null, "pause_errors", null, null, "pause_errors"]);
    expect(sentences).toEqual(["paused: 3 consecutive analysis errors; last: metrics provider failed: HTTP 503", "paused again: 3 more errors since the last pause (6 in a row); last: metrics provider failed: HTTP 503"]);
  });
  it("zero exposure is never a pass and pauses at the inconclusive limit", () => {
    let s = initialAnalysisState();
    const es: Evaluation[] = [];
    for (let t = 0; t < 4; t++) {
      const e = evaluate(cfg, s, snap({ canary: v(0, 0), baseline: v(100, 0) }), t * 1000);
      es.push(e);
      s = e.state;
    }
    expect(es.every((e) => e.verdict !== "pass")).toBe(true);
    expect(es.at(-1)!.decision?.kind).toBe("pause_inconclusive");
  });
  it("a new step starts every streak afresh", () => {
    const s: AnalysisState = { ...initialAnalysisState(), rules: { r: { since: 1 } }, stepKey: "0:5", stepSince: 1 };
    expect(enterStep(s, "0:5", 99)).toBe(s);
    expect(enterStep(s, "1:10", 99)).toMatchObject({ rules: {}, stepKey: "1:10", stepSince: 99 });
  });
});
