// One simulated canary run on a virtual clock: traffic second by second, an evaluation every
// cfg.intervalSeconds (and at a breach's due moment, as the worker schedules it), the hold gate
// walking the steps. The judges are the product's evaluate() (unchanged) and the frozen pre-issue-9 copy.
import { type AnalysisState, type FetchResult, enterStep, evaluate, initialAnalysisState } from "@/lib/domain/analysis/evaluate";
import { type AnalysisState as LegacyState, type FetchResult as LegacyFetch, evaluate as legacyEvaluate, initialAnalysisState as legacyInitial } from "./legacy/evaluate";
import { Rng } from "./rng";
import type { Profile, Scenario } from "./scenarios";
import { CurrentProvider, Recording, legacySnapshot, simulateSecond } from "./world";

export const JUDGES = ["old", "new"] as const;
export type Judge = (typeof JUDGES)[number];

export const OUTCOMES = ["rollback", "promoted", "paused", "never"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface RunResult {
  outcome: Outcome;
  /** Virtual ms from the canary's start to the decision (promotion, pause) or the cut-off. */
  atMs: number;
  /** Decision kind (rollback_*, hold, pause_*) and rule. */
  kind: string | null;
  ruleId: string | null;
  /** Step index and canary weight the run ended in. */
  step: number;
  weight: number;
  evaluations: number;
}

/** Virtual epoch of every run's canary start (a whole second, like the router's rows). */
export const T0 = 1_800_000_000_000;
/** The worker never schedules a due evaluation sooner than this. */
const MIN_DUE_MS = 20;

/**
 * One run. `seed` fixes the traffic and the fetch failures; the old and new judges get the same
 * seed, so they see the same traffic until their steps diverge.
 */
export function runOnce(judge: Judge, prof: Profile, sc: Scenario, canaryRate: number, seed: string, onEvaluation?: (e: { t: number; verdict: string; reasons: string[]; step: number }) => void): RunResult {
  const traffic = new Rng(`${seed}:traffic`);
  const gaps = new Rng(`${seed}:gaps`);
  const total = canaryRate / 0.05;
  const rec = new Recording();
  const isNew = judge === "new";
  const cfg = isNew ? prof.current : prof.legacy;
  const provider = isNew ? new CurrentProvider(rec, T0) : null;
  const intervalMs = cfg.intervalSeconds * 1000;
  const maxMs = prof.maxSeconds * 1000;

  let stepIndex = 0;
  let weight = prof.steps[0]!.weight;
  let stepBegan = 0;
  // Weight changes by second: a second is simulated at the weight applied when it began.
  const weights: { from: number; weight: number }[] = [{ from: 0, weight }];
  const weightAt = (s: number) => {
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]!.from <= s) return weights[i]!.weight;
    return weights[0]!.weight;
  };
  const simulateTo = (lastSecond: number) => {
    while (rec.seconds <= lastSecond) {
      const s = rec.seconds;
      const w = weightAt(s);
      const canary = sc.zeroCanary ? null : simulateSecond(traffic, (total * w) / 100, sc.canary, s, { hist: isNew, percentiles: !isNew });
      const baseline = simulateSecond(traffic, (total * (100 - w)) / 100, sc.baseline, s, { hist: isNew, percentiles: !isNew });
      rec.push(canary, baseline);
    }
  };

  let state: AnalysisState = initialAnalysisState();
  let legacy: LegacyState = legacyInitial();
  let t = 0;
  let evaluations = 0;
  const end = (outcome: Outcome, kind: string | null = null, ruleId: string | null = null): RunResult => ({ outcome, atMs: t, kind, ruleId, step: stepIndex, weight, evaluations });

  while (t <= maxMs) {
    simulateTo(Math.floor(t / 1000) - 1);
    const at = T0 + t;
    const failed = sc.outage ? "connection refused" : sc.gapShare && gaps.bernoulli(sc.gapShare) ? "scrape timed out" : null;
    let verdict: string;
    let decision: { kind: string; ruleId: string | null } | null;
    let breaches: { since: number; forMs: number }[];
    let reasons: string[];
    if (isNew) {
      // As the worker: the step's key picks the counts' start; a new key starts them at this tick.
      const prev = enterStep(state, `${stepIndex}:${weight}`, at);
      const input: FetchResult = failed ? { ok: false, error: failed } : { ok: true, snapshot: provider!.snapshot(at, cfg.windowSeconds, prev.stepSince!) };
      const e = evaluate(prof.current, prev, input, at);
      state = e.state;
      ({ verdict, decision, breaches, reasons } = e);
    } else {
      const input: LegacyFetch = failed ? { ok: false, error: failed } : { ok: true, snapshot: legacySnapshot(rec, T0, at, cfg.windowSeconds) };
      const e = legacyEvaluate(prof.legacy, legacy, input, at);
      legacy = e.state;
      ({ verdict, decision, breaches, reasons } = e);
    }
    evaluations++;
    onEvaluation?.({ t, verdict, reasons, step: stepIndex });
    if (decision) {
      if (decision.kind === "rollback_immediate" || decision.kind === "rollback_gradual") return end("rollback", decision.kind, decision.ruleId);
      // "hold" pauses the rollout for the captain, as pause_errors / pause_inconclusive do.
      return end("paused", decision.kind, decision.ruleId);
    }
    // The hold gate: the hold time is up and the latest verdict is a pass.
    if (t - stepBegan >= prof.steps[stepIndex]!.holdSeconds * 1000 && verdict === "pass") {
      stepIndex++;
      const next = prof.steps[stepIndex];
      if (!next || next.weight === 100) return end("promoted");
      weight = next.weight;
      stepBegan = t;
      weights.push({ from: Math.ceil(t / 1000), weight });
    }
    // The worker's schedule: the next interval, or sooner when a breach's duration completes before it.
    const due = breaches.map((b) => b.since + b.forMs - at).filter((ms) => ms > 0);
    t += due.length ? Math.max(MIN_DUE_MS, Math.min(intervalMs, ...due)) : intervalMs;
  }
  t = maxMs;
  return end("never");
}
