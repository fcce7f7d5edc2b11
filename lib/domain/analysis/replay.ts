import { EVALUATING_STATUSES, holdGateReason, nextEvaluationDelay } from "./cadence";
import { z } from "zod";
import { type AnalysisConfig, analysisConfigJsonSchema } from "./config";
import { type AnalysisState, type DecisionKind, type Evaluation, enterStep, evaluate, initialAnalysisState } from "./evaluate";
import { type ResourceRow, SampleReader, type SampleRow } from "./snapshot";

/**
 * "What would this config have done?" (REQUIREMENTS I7): a draft analysis config run over the
 * stored per-second samples of a past rollout, evaluation by evaluation as the worker would have
 * run it, up to the first decision. Read-only and pure: the samples, the rollout's step timeline
 * (from its audit trail) and the config in, a verdict out.
 */

/** The longest stretch of a rollout replayed (from its start), and the most evaluations per rollout. */
export const REPLAY_MAX_SPAN_MS = 2 * 3600_000;
export const REPLAY_MAX_EVALUATIONS = 7200;
export const REPLAY_DEFAULT_LIMIT = 10;
export const REPLAY_MAX_LIMIT = 50;

/** Input of "replay a draft config over past rollouts" (settings form): the draft is validated like Save validates it. */
export const replayAnalysisInput = z.object({
  serviceId: z.coerce.number().int().positive(),
  config: analysisConfigJsonSchema,
  limit: z.coerce
    .number({ error: "Number of rollouts must be a number." })
    .int("Number of rollouts must be a whole number.")
    .min(1, "Replay at least 1 rollout.")
    .max(REPLAY_MAX_LIMIT, `Replay at most ${REPLAY_MAX_LIMIT} rollouts.`)
    .default(REPLAY_DEFAULT_LIMIT),
});
export type ReplayAnalysisInput = z.output<typeof replayAnalysisInput>;

/** The rollout's state from `at` on: every rollout audit event records the status, step and weight it led to. */
export interface TimelinePoint {
  at: number;
  status: string;
  stepIndex: number;
  weight: number;
  /** The machine event that led here ("start", "step_succeeded", "hold_elapsed", ...). */
  event: string | null;
}

/** The step timeline of a rollout from its audit trail (events without a rollout state, e.g. decisions, are skipped). */
export function timelineOf(trail: readonly { at: number; details: unknown }[]): TimelinePoint[] {
  const out: TimelinePoint[] = [];
  for (const e of trail) {
    const d = e.details as { to?: unknown; stepIndex?: unknown; weight?: unknown; event?: { type?: unknown } } | null;
    if (!d || typeof d.to !== "string" || typeof d.stepIndex !== "number" || typeof d.weight !== "number") continue;
    out.push({ at: e.at, status: d.to, stepIndex: d.stepIndex, weight: d.weight, event: typeof d.event?.type === "string" ? d.event.type : null });
  }
  return out.sort((a, b) => a.at - b.at);
}

export interface ReplayRollout {
  /** Epoch ms the rollout started (its first evaluation). */
  startedAt: number;
  /** Epoch ms its data ends: when it finished, or now for a live one. */
  endedAt: number;
  /** Its final (or current) status, for the sentence when the data ends before a decision. */
  status: string;
  canaryVersion: string;
  baselineVersion: string | null;
  timeline: readonly TimelinePoint[];
}

export type ReplayOutcome =
  /** A rollback, hold or pause decision at `at`. */
  | { kind: "decision"; at: number; afterSeconds: number; decision: { kind: DecisionKind; ruleId: string | null; sentence: string } }
  /** The hold gate would not have let the rollout advance at `at` (its verdict was not a recent pass). */
  | { kind: "held"; at: number; afterSeconds: number; reason: string }
  /** Every hold the rollout went through would have ended, and no rule fired. */
  | { kind: "passed" }
  /** The data ends (the rollout was rolled back, aborted, is still live, or the replay's span ran out) before any decision. */
  | { kind: "undecided"; at: number; afterSeconds: number; verdict: Evaluation["verdict"]; reason: string }
  /** Nothing to evaluate: analysis off in the draft, no baseline, or no canary traffic while the rollout ran. */
  | { kind: "not_analysed"; reason: string };

export interface ReplayResult {
  outcome: ReplayOutcome;
  /** What the draft would have done, in one sentence. */
  sentence: string;
  evaluations: number;
  /** Seconds of the rollout replayed, and whether it was cut at REPLAY_MAX_SPAN_MS / REPLAY_MAX_EVALUATIONS. */
  replayedSeconds: number;
  truncated: boolean;
}

/** One past rollout in the replay's answer (settings page). */
export interface ReplayRow {
  rollout: { id: number; fromVersion: string; toVersion: string; environment: string; createdAt: number; status: string };
  /** What really happened: the final (or current) status and the first decision of the analysis, if any. */
  real: { status: string; reason: string | null; decision: { kind: string; sentence: string; afterSeconds: number } | null };
  /** What the draft would have done; null when the replay's budget ran out before this rollout. */
  draft: ReplayResult | null;
}

export interface ReplayAnalysisResult {
  service: string;
  rows: ReplayRow[];
  /** Said when there is nothing to replay. */
  message: string | null;
  /** The replay's limits, shown with the results. */
  note: string;
}


/** Milliseconds as seconds to a tenth. */
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const formatSeconds = (s: number) => `${s.toLocaleString("en-US")} s`;

/**
 * Replays `cfg` over one rollout. Evaluations run every `intervalSeconds` on whole seconds from
 * the start (the provider's data changes only when a second is over), plus the worker's early
 * evaluation when a breach's duration completes before the next one; each builds the snapshot as
 * the built-in provider would (snapshot.ts) for the step as the rollout then was
 * ("stepIndex:weight"), while the canary had traffic. It stops at the first decision, or where the
 * hold gate (only a recent pass ends a hold) would have kept the rollout at a step.
 */
export function replayRollout(
  cfg: AnalysisConfig,
  rollout: ReplayRollout,
  samples: readonly SampleRow[],
  resources: readonly ResourceRow[] = [],
  limits: { maxSpanMs?: number; maxEvaluations?: number } = {},
): ReplayResult {
  const maxSpanMs = limits.maxSpanMs ?? REPLAY_MAX_SPAN_MS;
  const maxEvaluations = limits.maxEvaluations ?? REPLAY_MAX_EVALUATIONS;
  const start = rollout.startedAt;
  const end = Math.min(rollout.endedAt, start + maxSpanMs);
  let truncated = rollout.endedAt > end;
  const done = (outcome: ReplayOutcome, evaluations: number, until: number): ReplayResult => ({
    outcome,
    sentence: sentenceOf(outcome, rollout, truncated),
    evaluations,
    replayedSeconds: seconds(Math.max(0, Math.min(until, end) - start)),
    truncated,
  });
  if (!cfg.enabled) return done({ kind: "not_analysed", reason: "analysis is off in this config" }, 0, start);
  if (!rollout.baselineVersion) return done({ kind: "not_analysed", reason: "no baseline to compare with" }, 0, start);

  const reader = new SampleReader(samples, resources, { canary: rollout.canaryVersion, baseline: rollout.baselineVersion });
  const intervalMs = Math.max(1, Math.round(cfg.intervalSeconds * 1000));
  const timeline = rollout.timeline;
  let current: TimelinePoint = { at: start, status: "pending", stepIndex: 0, weight: 0, event: null };
  let next = 0;
  let state: AnalysisState = initialAnalysisState();
  let last: Evaluation | null = null;
  let evaluations = 0;
  const live = (p: TimelinePoint) => EVALUATING_STATUSES.includes(p.status) && p.weight > 0;

  // The grid: whole seconds from the start, every interval.
  const first = Math.ceil(start / 1000) * 1000;
  let k = 0;
  let at = first;
  while (at <= end) {
    for (; next < timeline.length && timeline[next]!.at <= at; next++) {
      const p = timeline[next]!;
      // The hold gate (DESIGN rule 9): a hold whose time is up ends only on a recent pass.
      const leavesHold = p.event === "hold_elapsed" && (p.stepIndex !== current.stepIndex || p.status !== current.status);
      if (leavesHold && live(current)) {
        const reason = holdGateReason(last, p.at, cfg.intervalSeconds);
        if (reason) return done({ kind: "held", at: p.at, afterSeconds: seconds(p.at - start), reason }, evaluations, p.at);
      }
      current = p;
    }
    let delay = intervalMs;
    if (live(current)) {
      if (evaluations >= maxEvaluations) {
        truncated = true;
        break;
      }
      // Counts run from the step's start: the first evaluation that saw this step and weight.
      const prev = enterStep(state, `${current.stepIndex}:${current.weight}`, at);
      const snapshot = reader.snapshot(at, cfg.windowSeconds, prev.stepSince!);
      const e = evaluate(cfg, prev, { ok: true, snapshot }, at);
      evaluations++;
      state = e.state;
      last = e;
      if (e.decision) {
        const d = e.decision;
        return done({ kind: "decision", at, afterSeconds: seconds(at - start), decision: { kind: d.kind, ruleId: d.ruleId, sentence: d.sentence } }, evaluations, at);
      }
      delay = nextEvaluationDelay(e, intervalMs);
    }
    const grid = first + (k + 1) * intervalMs;
    if (at + delay < grid) at += delay;
    else at = first + ++k * intervalMs;
  }
  if (evaluations === 0) return done({ kind: "not_analysed", reason: "the canary had no traffic while the rollout ran" }, 0, end);
  const finished = rollout.status === "succeeded" && !truncated && last !== null;
  if (finished) return done({ kind: "passed" }, evaluations, end);
  const stop = Math.min(at, end);
  return done({ kind: "undecided", at: stop, afterSeconds: seconds(stop - start), verdict: last!.verdict, reason: last!.reasons.slice(0, 2).join("; ") }, evaluations, stop);
}

/** "rolled back: canary 5xx ... after 4.2 s", "would have passed every step", "would have held: <reason>". */
function sentenceOf(o: ReplayOutcome, r: ReplayRollout, truncated: boolean): string {
  switch (o.kind) {
    case "decision":
      return `${o.decision.sentence} (at ${formatSeconds(o.afterSeconds)})`;
    case "held":
      return `would have held at ${formatSeconds(o.afterSeconds)}: ${o.reason}`;
    case "passed":
      return "would have passed every step";
    case "not_analysed":
      return `would not have analysed it: ${o.reason}`;
    case "undecided": {
      const why = truncated ? "the replay's span ends" : r.status === "succeeded" ? "the rollout ends" : `the rollout's data ends (${r.status.replace(/_/g, " ")})`;
      return o.verdict === "pass"
        ? `would have passed every step it reached; no decision before ${why} at ${formatSeconds(o.afterSeconds)}`
        : `would have held: ${o.reason || `analysis ${o.verdict}`} (no decision before ${why} at ${formatSeconds(o.afterSeconds)})`;
    }
  }
}
