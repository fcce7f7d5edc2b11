import type { Db, Executor, Tx } from "@/db/connection";
import {
  ENDED_RELEASE,
  endedReleasesWithoutFacts,
  finishedRolloutsWithoutFacts,
  insertReleaseTimeFacts,
  insertRolloutTimeFacts,
  rolloutsWithFacts,
  subjectEvents,
} from "@/db/queries/insights";
import type { RolloutRow } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { groupBy } from "@/lib/domain/group-by";
import { TIME_CATEGORIES, type TimeCategory, type TimeInterval, type TimeSpent, releaseTimeSpent, rolloutIntervals } from "@/lib/domain/insights/time-spent";
import type { ReleasePhase } from "@/lib/domain/release/lifecycle";
import { ROLLOUT_MACHINE_ACTIONS, startsARollback } from "@/lib/domain/rollout/audit-of";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import { type PlanStep, type Strategy, rollsBackOnFailure } from "@/lib/domain/rollout/strategy";

// The time facts of Insights (issue 14, item 4): what a rollout's or a release's audit events say
// about where its time went, replayed through the rollout machine. A finished rollout's and an
// ended release's facts are stored once, in the transaction that finished it (db/schema/insights.ts),
// so the page reads one row instead of replaying; the live ones are replayed on each read.

const RELEASE_ACTIONS = ["release.advance", "release.abort"];

/** What Insights reads of a rollout. */
export interface RolloutFacts {
  /** A redeploy of an earlier version that undid a change (started with `rollback: true`). */
  restoration: boolean;
  /** When its rollback was decided (first `rollout.abort`). */
  abortedAt: number | null;
  intervals: TimeInterval[];
}

type EventRow = { subjectId: string | null; action: string; createdAt: number; details: string };
type Parsed = Omit<EventRow, "details"> & { details: Record<string, unknown> };

/** Audit rows by subject id, each row's details parsed once. */
const bySubject = (rows: readonly EventRow[]): Map<number, Parsed[]> =>
  groupBy(
    rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> })),
    (r) => Number(r.subjectId),
  );

// Stored intervals are [from, to, category index] triples: compact, and read back without names.
const encodeIntervals = (intervals: readonly TimeInterval[]) => JSON.stringify(intervals.map((i) => [i.from, i.to, TIME_CATEGORIES.indexOf(i.category)]));
const decodeIntervals = (text: string): TimeInterval[] =>
  (JSON.parse(text) as [number, number, number][]).map(([from, to, c]) => ({ from, to, category: TIME_CATEGORIES[c] as TimeCategory }));

/** These rollouts' facts replayed from their audit events (up to now for those still live). */
export function replayRollouts(db: Executor, rows: readonly RolloutRow[], now: number): Map<number, RolloutFacts> {
  const events = bySubject(
    subjectEvents(
      db,
      "rollout",
      rows.map((r) => r.id),
      ROLLOUT_MACHINE_ACTIONS,
    ),
  );
  return new Map(
    rows.map((r) => {
      const own = events.get(r.id) ?? [];
      const intervals = rolloutIntervals({
        plan: JSON.parse(r.plan) as PlanStep[],
        rollbackOnFailure: rollsBackOnFailure(JSON.parse(r.strategy) as Strategy),
        events: own.flatMap((e) => {
          const event = e.details.event as RolloutEvent | undefined;
          return event && typeof event.type === "string" ? [{ at: e.createdAt, event }] : [];
        }),
        endAt: r.finishedAt ?? now,
      });
      return [
        r.id,
        {
          restoration: own.some(startsARollback),
          abortedAt: own.find((e) => e.action === "rollout.abort")?.createdAt ?? null,
          intervals,
        },
      ];
    }),
  );
}

type ReleaseFacts = Pick<ReturnType<typeof releaseTimeSpent>, "spent" | "totalMs">;

/**
 * Where these releases' time went, from their phase changes and their rollouts (stored facts for
 * the finished ones, replayed for the rest). Incident time is not counted here (see incidentTime).
 */
export function replayReleases(db: Executor, rels: readonly { id: number; createdAt: number; status: string; updatedAt: number }[], now: number): Map<number, ReleaseFacts> {
  const ids = rels.map((r) => r.id);
  const phaseEvents = bySubject(subjectEvents(db, "release", ids, RELEASE_ACTIONS));
  const rollouts = rolloutsWithFacts(db, { releaseIds: ids });
  const replayed = replayRollouts(
    db,
    rollouts.filter((r) => !r.facts).map((r) => r.rollout),
    now,
  );
  const intervalsByRelease = groupBy(rollouts, (r) => r.rollout.releaseId);
  return new Map(
    rels.map((rel) => {
      const phases = (phaseEvents.get(rel.id) ?? []).flatMap((e) => {
        const to = e.details.to;
        return typeof to === "string" ? [{ at: e.createdAt, to: to as ReleasePhase }] : [];
      });
      if (rel.status === "aborted" && !phases.some((p) => p.to === "aborted")) phases.push({ at: rel.updatedAt, to: "aborted" });
      const { spent, totalMs } = releaseTimeSpent({
        createdAt: rel.createdAt,
        phases,
        rollouts: (intervalsByRelease.get(rel.id) ?? []).map((r) => (r.facts ? decodeIntervals(r.facts.intervals) : replayed.get(r.rollout.id)!.intervals)),
        incidents: [],
        now,
      });
      return [rel.id, { spent, totalMs }];
    }),
  );
}

export const parseSpent = (text: string) => JSON.parse(text) as TimeSpent;

const storeRolloutFacts = (tx: Tx, rolloutId: number, f: RolloutFacts, now: number) =>
  insertRolloutTimeFacts(tx, { rolloutId, restoration: f.restoration, abortedAt: f.abortedAt, intervals: encodeIntervals(f.intervals), computedAt: now });
const storeReleaseFacts = (tx: Tx, releaseId: number, f: ReleaseFacts, now: number) => insertReleaseTimeFacts(tx, { releaseId, spent: JSON.stringify(f.spent), totalMs: f.totalMs, computedAt: now });

/** Stores a finished rollout's facts, in the transaction of the event that finished it. */
export function recordRolloutTimeFacts(tx: Tx, rollout: RolloutRow, now: number): void {
  storeRolloutFacts(tx, rollout.id, replayRollouts(tx, [rollout], now).get(rollout.id)!, now);
}

/** Stores an ended release's facts, in the transaction that ended it (`phase`: the phase it entered). */
export function recordReleaseTimeFacts(tx: Tx, release: { id: number; createdAt: number; updatedAt: number }, phase: string, now: number): void {
  if (!(ENDED_RELEASE as readonly string[]).includes(phase)) return;
  storeReleaseFacts(tx, release.id, replayReleases(tx, [{ ...release, status: phase }], now).get(release.id)!, now);
}

/** Runs `step` (which handles up to `batch` rows) one transaction at a time until a batch falls short. */
function inBatches(db: Db, batch: number, step: (tx: Tx) => number): number {
  for (let total = 0; ; ) {
    const n = writeTransaction(db, step);
    total += n;
    if (n < batch) return total;
  }
}

/**
 * Stores the facts of rollouts finished and releases ended before facts were stored (a database
 * from an earlier version), a batch per transaction. Safe to run any time: nothing stored twice.
 */
export function backfillTimeFacts(db: Db, now: number, batch = 500): { rollouts: number; releases: number } {
  return {
    rollouts: inBatches(db, batch, (tx) => {
      const rows = finishedRolloutsWithoutFacts(tx, batch);
      for (const [id, f] of replayRollouts(tx, rows, now)) storeRolloutFacts(tx, id, f, now);
      return rows.length;
    }),
    releases: inBatches(db, batch, (tx) => {
      const rows = endedReleasesWithoutFacts(tx, batch);
      for (const [id, f] of replayReleases(tx, rows, now)) storeReleaseFacts(tx, id, f, now);
      return rows.length;
    }),
  };
}
