import type { ReleasePhase } from "@/lib/domain/release/lifecycle";
import { type RolloutEvent, type RolloutState, initialState, transition } from "@/lib/domain/rollout/machine";
import type { PlanStep } from "@/lib/domain/rollout/strategy";

/**
 * "Where the time goes" (issue 14, item 4): a release's life split into what it was waiting for,
 * computed from the audit trail alone. The release's phases partition its time; inside its
 * rollouts, each moment is deploying, holding (up to the planned hold), holding longer because the
 * analysis was not passing yet, paused, blocked (gate, freeze, hook, failed step waiting for a
 * person) or rolling back. Incident time overlaps the rest and is reported beside it.
 */
export const TIME_CATEGORIES = ["preflight", "deploying", "holds", "analysis_extension", "paused", "blocked", "rolling_back", "soak", "approvals", "monitoring"] as const;
export type TimeCategory = (typeof TIME_CATEGORIES)[number];

export const TIME_CATEGORY_LABELS: Record<TimeCategory, string> = {
  preflight: "Pre-flight checks",
  deploying: "Deploying",
  holds: "Holds (as planned)",
  analysis_extension: "Analysis extending holds",
  paused: "Paused",
  blocked: "Blocked (gate, freeze, hook or failed step)",
  rolling_back: "Rolling back",
  soak: "Staging soak",
  approvals: "Waiting for approvals",
  monitoring: "Monitoring window",
};

export type TimeSpent = Record<TimeCategory, number>;
export const emptyTimeSpent = (): TimeSpent => Object.fromEntries(TIME_CATEGORIES.map((c) => [c, 0])) as TimeSpent;

/** One rollout audit event: its time and the machine event it recorded (`details.event`). */
export interface RolloutEventFact {
  at: number;
  event: RolloutEvent;
}

/** A rollout as the replay needs it. */
export interface RolloutTimeFacts {
  plan: readonly PlanStep[];
  rollbackOnFailure: boolean;
  events: readonly RolloutEventFact[];
  /** Where the rollout's time ends: its finish, or now while it runs. */
  endAt: number;
}

function categoryOf(s: RolloutState): Exclude<TimeCategory, "holds" | "analysis_extension"> | "hold" | null {
  switch (s.status) {
    case "pending":
    case "running":
      return s.phase === "hold" ? "hold" : "deploying";
    case "paused":
      return s.failedDuring === "step" ? "blocked" : "paused";
    case "failed":
      return "blocked";
    case "rolling_back":
      return "rolling_back";
    default:
      return null;
  }
}

/** An interval of a rollout's (or release's) life and what it was spent on. */
export interface TimeInterval {
  from: number;
  to: number;
  category: TimeCategory;
}

/**
 * Replays a rollout's recorded machine events through the machine itself and attributes each
 * interval to the state the rollout was in. Hold time beyond the step's planned hold is the
 * analysis extending it (the worker only ends a hold when the analysis passes).
 */
export function rolloutIntervals(r: RolloutTimeFacts): TimeInterval[] {
  const out: TimeInterval[] = [];
  const events = [...r.events].sort((a, b) => a.at - b.at);
  if (events.length === 0) return out;
  let state = initialState();
  let since = events[0]!.at;
  const heldByStep = new Map<number, number>();
  const push = (from: number, to: number, category: TimeCategory) => {
    if (to > from) out.push({ from, to, category });
  };
  const attribute = (until: number) => {
    const end = Math.max(since, until);
    const c = categoryOf(state);
    if (c === "hold") {
      const step = r.plan[state.stepIndex];
      const planned = step?.kind === "shift" ? step.holdMs : 0;
      const before = heldByStep.get(state.stepIndex) ?? 0;
      const asPlanned = Math.max(0, Math.min(end - since, planned - before));
      push(since, since + asPlanned, "holds");
      push(since + asPlanned, end, "analysis_extension");
      heldByStep.set(state.stepIndex, before + (end - since));
    } else if (c !== null) {
      push(since, end, c);
    }
    since = end;
  };
  for (const e of events) {
    attribute(e.at);
    const t = transition(r.plan, state, e.event, { rollbackOnFailure: r.rollbackOnFailure });
    if (t.ok) state = t.next;
  }
  attribute(r.endAt);
  return out;
}

export function sumIntervals(intervals: readonly TimeInterval[]): TimeSpent {
  const out = emptyTimeSpent();
  for (const i of intervals) out[i.category] += i.to - i.from;
  return out;
}

export const rolloutTimeSpent = (r: RolloutTimeFacts): TimeSpent => sumIntervals(rolloutIntervals(r));

/** When rollouts run side by side (a release's components, G5), the instant counts once, for the most stuck of them. */
const PRIORITY: readonly TimeCategory[] = ["blocked", "paused", "rolling_back", "analysis_extension", "holds", "deploying"];

/** Overlapping intervals flattened into a partition: each instant once, its category by PRIORITY. */
export function flatten(intervals: readonly TimeInterval[]): TimeInterval[] {
  const cuts = [...new Set(intervals.flatMap((i) => [i.from, i.to]))].sort((a, b) => a - b);
  const out: TimeInterval[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const from = cuts[k]!;
    const to = cuts[k + 1]!;
    const here = intervals.filter((i) => i.from <= from && i.to >= to).map((i) => i.category);
    if (here.length === 0) continue;
    const category = PRIORITY.find((c) => here.includes(c)) ?? here[0]!;
    const last = out.at(-1);
    if (last && last.to === from && last.category === category) last.to = to;
    else out.push({ from, to, category });
  }
  return out;
}

/** A release phase change (`release.create`, `release.advance`, `release.abort`: details.to). */
export interface PhaseChange {
  at: number;
  to: ReleasePhase;
}

const PHASE_CATEGORY: Partial<Record<ReleasePhase, TimeCategory>> = {
  preflight: "preflight",
  staging_soak: "soak",
  production_approval: "approvals",
  monitoring: "monitoring",
};
const ROLLOUT_PHASES: readonly ReleasePhase[] = ["staging_deploy", "production_rollout"];

export interface ReleaseTimeFacts {
  createdAt: number;
  /** Phase changes in any order; the release starts in pre-flight at `createdAt`. */
  phases: readonly PhaseChange[];
  /** The release's rollouts, each replayed on its own (rolloutIntervals). */
  rollouts: readonly (readonly TimeInterval[])[];
  /** Incidents linked to the release: [opened or detected, resolved or now]. */
  incidents: readonly { from: number; to: number }[];
  now: number;
}

export interface ReleaseTimeSpent {
  spent: TimeSpent;
  /** Time with an incident open (overlaps the categories above). */
  incidentMs: number;
  /** From creation to completion (or to now, or to its end). */
  totalMs: number;
}

/**
 * A release's time: phases map to pre-flight / soak / approvals / monitoring; its deploy phases
 * are told by its rollouts' replays (time in a deploy phase outside any rollout counts as
 * deploying: the step queued, the worker picking it up).
 */
export function releaseTimeSpent(r: ReleaseTimeFacts): ReleaseTimeSpent {
  const spent = emptyTimeSpent();
  const changes = [...r.phases].sort((a, b) => a.at - b.at);
  const ends: readonly ReleasePhase[] = ["completed", "aborted", "rolled_back"];
  const endAt = changes.find((c) => ends.includes(c.to))?.at ?? r.now;
  let phase: ReleasePhase = "preflight";
  let since = r.createdAt;
  let deployPhaseMs = 0;
  const close = (until: number) => {
    const ms = Math.max(0, Math.min(until, endAt) - since);
    const c = PHASE_CATEGORY[phase];
    if (c) spent[c] += ms;
    else if (ROLLOUT_PHASES.includes(phase)) deployPhaseMs += ms;
    since = Math.max(since, until);
  };
  for (const c of changes) {
    if (c.at > endAt) break;
    close(c.at);
    phase = c.to;
  }
  close(endAt);

  // Rollout time, each instant once, within the release's life; what is left of its deploy phases
  // (a step queued, the worker picking it up) is deploying too.
  const rolloutTime = sumIntervals(
    flatten(r.rollouts.flat())
      .map((i) => ({ ...i, from: Math.max(i.from, r.createdAt), to: Math.min(i.to, endAt) }))
      .filter((i) => i.to > i.from),
  );
  let inRollouts = 0;
  for (const c of TIME_CATEGORIES) {
    spent[c] += rolloutTime[c];
    inRollouts += rolloutTime[c];
  }
  spent.deploying += Math.max(0, deployPhaseMs - inRollouts);
  return { spent, incidentMs: incidentTime(r.incidents, r.now), totalMs: Math.max(0, endAt - r.createdAt) };
}

/** Time with an incident open, up to now (incidents may overlap each other: each counts). */
export const incidentTime = (incidents: readonly { from: number; to: number }[], now: number): number =>
  incidents.reduce((sum, i) => sum + Math.max(0, Math.min(i.to, now) - i.from), 0);
