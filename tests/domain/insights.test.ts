import { describe, expect, it } from "vitest";
import { csvOf } from "@/lib/domain/csv";
import { releasesCsv } from "@/lib/domain/insights/csv";
import { type DeploymentFact, bucketMs, bucketStart, doraKeys, doraTrend, percentile } from "@/lib/domain/insights/dora";
import { rangeOf } from "@/lib/domain/insights/inputs";
import { type RolloutTimeFacts, emptyTimeSpent, flatten, releaseTimeSpent, rolloutIntervals, rolloutTimeSpent } from "@/lib/domain/insights/time-spent";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import type { PlanStep } from "@/lib/domain/rollout/strategy";

const S = 1000;
const MIN = 60 * S;
const DAY = 86_400_000;
const T = Date.UTC(2026, 2, 2); // a Monday

const PLAN: PlanStep[] = [{ kind: "deploy" }, { kind: "shift", weight: 25, holdMs: 600 * S }, { kind: "shift", weight: 100, holdMs: 0 }, { kind: "promote" }];
const ok = (at: number) => ({ at, event: { type: "step_succeeded", at } as RolloutEvent });
const ev = (at: number, event: RolloutEvent) => ({ at, event });
const rollout = (events: RolloutTimeFacts["events"], endAt: number): RolloutTimeFacts => ({ plan: PLAN, rollbackOnFailure: true, events: [ev(T, { type: "start" }), ...events], endAt });

describe("where a rollout's time goes (replayed through the machine)", () => {
  it("splits a hold into the planned part and the analysis extending it", () => {
    const facts = rollout([ok(T + 10 * S), ok(T + 20 * S), ev(T + 900 * S, { type: "hold_elapsed", at: T + 900 * S }), ok(T + 910 * S), ok(T + 920 * S)], T + 920 * S);
    expect(rolloutTimeSpent(facts)).toEqual({ ...emptyTimeSpent(), deploying: 40 * S, holds: 600 * S, analysis_extension: 280 * S });
  });

  it("counts pauses, a step blocked by the gate until retried, and the rollback", () => {
    const facts = rollout(
      [
        ok(T + 10 * S),
        ev(T + 20 * S, { type: "step_blocked", reason: "lockdown" }),
        ev(T + 320 * S, { type: "retry" }),
        ok(T + 330 * S),
        ev(T + 400 * S, { type: "pause", at: T + 400 * S }),
        ev(T + 460 * S, { type: "resume", at: T + 460 * S }),
        ev(T + 500 * S, { type: "abort", reason: "5xx" }),
        ev(T + 530 * S, { type: "rollback_succeeded" }),
      ],
      T + 530 * S,
    );
    const spent = rolloutTimeSpent(facts);
    expect(spent).toMatchObject({ deploying: 30 * S, blocked: 300 * S, paused: 60 * S, rolling_back: 30 * S });
    // The hold ran 70 s before the pause and 40 s after it: all within the 600 s planned.
    expect(spent.holds).toBe(110 * S);
    expect(spent.analysis_extension).toBe(0);
  });

  it("counts side-by-side rollouts once, for the most stuck of them", () => {
    const a = rolloutIntervals(rollout([ok(T + 100 * S), ok(T + 110 * S)], T + 200 * S)); // deploying 100 s, then holding
    const b = rolloutIntervals(rollout([ev(T + 50 * S, { type: "step_blocked", reason: "freeze" })], T + 150 * S)); // blocked from 50 s to 150 s
    const flat = flatten([...a, ...b]);
    expect(flat.map((i) => [(i.from - T) / S, (i.to - T) / S, i.category])).toEqual([
      [0, 50, "deploying"],
      [50, 150, "blocked"],
      [150, 200, "holds"],
    ]);
  });
});

describe("where a release's time goes", () => {
  it("maps phases to pre-flight, soak, approvals and monitoring, and its deploy phases to its rollouts", () => {
    const created = T;
    const r = releaseTimeSpent({
      createdAt: created,
      phases: [
        { at: T + 10 * MIN, to: "staging_deploy" },
        { at: T + 20 * MIN, to: "staging_soak" },
        { at: T + 80 * MIN, to: "production_approval" },
        { at: T + 140 * MIN, to: "production_rollout" },
        { at: T + 160 * MIN, to: "monitoring" },
        { at: T + 220 * MIN, to: "completed" },
      ],
      // The staging rollout took 5 of the phase's 10 minutes (the rest: queued, picked up); production's ran 20 minutes, 10 of them held.
      rollouts: (
        [
          { plan: [{ kind: "deploy" }, { kind: "shift", weight: 100, holdMs: 0 }], rollbackOnFailure: true, events: [ev(T + 12 * MIN, { type: "start" })], endAt: T + 17 * MIN },
          {
            plan: [{ kind: "deploy" }, { kind: "shift", weight: 50, holdMs: 10 * MIN }, { kind: "promote" }],
            rollbackOnFailure: true,
            events: [ev(T + 140 * MIN, { type: "start" }), ok(T + 145 * MIN), ok(T + 150 * MIN)],
            endAt: T + 160 * MIN,
          },
        ] satisfies RolloutTimeFacts[]
      ).map(rolloutIntervals),
      incidents: [{ from: T + 150 * MIN, to: T + 170 * MIN }],
      now: T + 300 * MIN,
    });
    expect(r.totalMs).toBe(220 * MIN);
    expect(r.incidentMs).toBe(20 * MIN);
    expect(r.spent).toEqual({ ...emptyTimeSpent(), preflight: 10 * MIN, soak: 60 * MIN, approvals: 60 * MIN, monitoring: 60 * MIN, deploying: 20 * MIN, holds: 10 * MIN });
  });

  it("stops counting at an abort and counts up to now while the release lives", () => {
    expect(releaseTimeSpent({ createdAt: T, phases: [{ at: T + 5 * MIN, to: "aborted" }], rollouts: [], incidents: [], now: T + DAY })).toMatchObject({ totalMs: 5 * MIN, spent: { preflight: 5 * MIN } });
    expect(releaseTimeSpent({ createdAt: T, phases: [{ at: T + 5 * MIN, to: "staging_soak" }], rollouts: [], incidents: [], now: T + 65 * MIN })).toMatchObject({ totalMs: 65 * MIN, spent: { preflight: 5 * MIN, soak: 60 * MIN } });
  });
});

const dep = (over: Partial<DeploymentFact>): DeploymentFact => ({
  rolloutId: 1,
  releaseId: null,
  serviceId: 1,
  environmentId: 2,
  status: "succeeded",
  restoration: false,
  createdAt: T,
  finishedAt: T + 10 * MIN,
  changeAt: T - 50 * MIN,
  abortedAt: null,
  incident: false,
  ...over,
});

describe("the four keys", () => {
  const week = { from: T, to: T + 7 * DAY };

  it("count changes, not restorations, and only what finished in the range", () => {
    const k = doraKeys(
      [
        dep({ rolloutId: 1 }),
        dep({ rolloutId: 2, finishedAt: T + DAY, changeAt: T }),
        dep({ rolloutId: 3, status: "rolled_back", abortedAt: T + 2 * DAY, finishedAt: T + 2 * DAY + 90 * S }),
        dep({ rolloutId: 4, restoration: true, finishedAt: T + 2 * DAY + 10 * MIN }),
        dep({ rolloutId: 5, incident: true, finishedAt: T + 3 * DAY }),
        dep({ rolloutId: 6, finishedAt: T - 1 }),
        dep({ rolloutId: 7, status: "running", finishedAt: null }),
      ],
      [{ incidentId: 9, detectedAt: T + 4 * DAY, mitigatedAt: T + 4 * DAY + 45 * MIN }],
      week,
    );
    expect(k.deployments).toBe(3);
    expect(k.perDay).toBeCloseTo(3 / 7);
    expect(k.changeFailureRate).toEqual({ rate: 0.5, failed: 2, finished: 4 });
    expect(k.leadTime.n).toBe(3);
    expect(k.leadTime.median).toBe(DAY); // of 1 h, 1 day and 3 days 50 min
    expect(k.timeToRestore).toEqual({ median: 90 * S, n: 2 });
  });

  it("say nothing rather than zero when there is nothing to measure", () => {
    expect(doraKeys([], [], week)).toEqual({ deployments: 0, perDay: 0, leadTime: { median: null, p90: null, n: 0 }, changeFailureRate: { rate: null, failed: 0, finished: 0 }, timeToRestore: { median: null, n: 0 } });
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 90)).toBe(5);
  });

  it("trend per day up to five weeks, per UTC Monday week beyond", () => {
    expect(bucketMs(week)).toBe(DAY);
    expect(bucketMs({ from: T, to: T + 36 * DAY })).toBe(7 * DAY);
    expect(new Date(bucketStart(T + 3 * DAY + 5 * 3600 * S, 7 * DAY)).toISOString()).toBe("2026-03-02T00:00:00.000Z");
    const trend = doraTrend([dep({ finishedAt: T + 8 * DAY })], [], { from: T + DAY, to: T + 50 * DAY });
    expect(new Date(trend[0]!.at).toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(trend.map((p) => p.deployments)).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe("the range", () => {
  const now = Date.UTC(2026, 10, 30, 15, 0);
  it("defaults to the last 30 days up to today, both dates included", () => {
    expect(rangeOf({}, now)).toEqual({ ok: true, range: { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1), fromDay: "2026-11-01", toDay: "2026-11-30" } });
  });
  it("refuses a reversed or over-long range with the reason", () => {
    expect(rangeOf({ from: "2026-11-10", to: "2026-11-09" }, now)).toEqual({ ok: false, reason: "From must be on or before To." });
    expect(rangeOf({ from: "2024-01-01", to: "2026-11-09" }, now)).toEqual({ ok: false, reason: "Choose a range of at most 366 days." });
  });
});

describe("CSV", () => {
  it("quotes what would break a row and neutralises spreadsheet formulas", () => {
    expect(csvOf(["a", "b"], [["x,y", '=HYPERLINK("evil")'], [1.5, null], [-2, 0]])).toBe('a,b\n"x,y","\'=HYPERLINK(""evil"")"\n1.5,\n"\'-2",0\n');
  });
  it("writes each release's time in hours per category", () => {
    const csv = releasesCsv([{ releaseId: 3, service: "sample-api", version: "1.1.0", status: "completed", createdAt: T, totalMs: 90 * MIN, incidentMs: 0, spent: { ...emptyTimeSpent(), soak: 60 * MIN, approvals: 30 * MIN } }]);
    const [header, row] = csv.trim().split("\n");
    expect(header).toBe("release_id,service,version,status,created_at,total_h,preflight_h,deploying_h,holds_h,analysis_extension_h,paused_h,blocked_h,rolling_back_h,soak_h,approvals_h,monitoring_h,incident_h");
    expect(row).toBe("3,sample-api,1.1.0,completed,2026-03-02T00:00:00.000Z,1.5,0,0,0,0,0,0,0,1,0.5,0,0");
  });
});
