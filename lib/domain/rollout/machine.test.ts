import { describe, expect, it } from "vitest";
import { type RolloutEvent, type RolloutState, blockedByGate, holdLeftMs, initialState, transition } from "./machine";
import { type PlanStep, planOf, strategySchema } from "./strategy";

// deploy, shift 10% hold 30 s, shift 50% hold 30 s, shift 100% no hold, promote
const plan: PlanStep[] = planOf(
  strategySchema.parse({ kind: "canary", steps: [{ weight: 10, holdSeconds: 30 }, { weight: 50, holdSeconds: 30 }, { weight: 100, holdSeconds: 0 }] }),
);
const PROMOTE = plan.length - 1;

function state(p: Partial<RolloutState>): RolloutState {
  return { ...initialState(), ...p };
}

function run(s: RolloutState, ...events: RolloutEvent[]): RolloutState {
  return events.reduce((acc, e) => {
    const t = transition(plan, acc, e);
    if (!t.ok) throw new Error(t.error);
    return t.next;
  }, s);
}

describe("rollout machine: allowed transitions", () => {
  it("start executes the deploy step", () => {
    const t = transition(plan, initialState(), { type: "start" });
    expect(t).toMatchObject({ ok: true, next: { status: "running", stepIndex: 0, phase: "start" }, effects: [{ type: "execute_step", stepIndex: 0, step: { kind: "deploy" } }] });
  });

  it("a step without hold advances straight to the next step", () => {
    const t = transition(plan, state({ status: "running" }), { type: "step_succeeded", at: 1000 });
    expect(t).toMatchObject({ ok: true, next: { stepIndex: 1, phase: "start" }, effects: [{ type: "execute_step", stepIndex: 1, step: { kind: "shift", weight: 10 } }] });
  });

  it("a shift records the applied weight and arms its hold timer at an absolute time", () => {
    const t = transition(plan, state({ status: "running", stepIndex: 1 }), { type: "step_succeeded", at: 5000, weight: 10 });
    expect(t).toMatchObject({ ok: true, next: { weight: 10, phase: "hold", holdEndsAt: 35_000 }, effects: [{ type: "wake_at", at: 35_000 }] });
  });

  it("an early wake-up re-arms the timer and never cuts a hold short", () => {
    const s = state({ status: "running", stepIndex: 1, phase: "hold", holdEndsAt: 35_000, weight: 10 });
    expect(transition(plan, s, { type: "hold_elapsed", at: 34_999 })).toMatchObject({ ok: true, next: s, effects: [{ type: "wake_at", at: 35_000 }] });
  });

  it("hold elapsed moves to the next step", () => {
    const s = state({ status: "running", stepIndex: 1, phase: "hold", holdEndsAt: 35_000, weight: 10 });
    expect(transition(plan, s, { type: "hold_elapsed", at: 35_000 })).toMatchObject({ ok: true, next: { stepIndex: 2, phase: "start", holdEndsAt: null } });
  });

  it("the promote step succeeding finishes the rollout", () => {
    const t = transition(plan, state({ status: "running", stepIndex: PROMOTE, weight: 100 }), { type: "step_succeeded", at: 1 });
    expect(t).toMatchObject({ ok: true, next: { status: "succeeded" }, effects: [] });
  });

  it("a 30 s hold paused after 20 s resumes with exactly 10 s left", () => {
    const holding = state({ status: "running", stepIndex: 1, phase: "hold", holdEndsAt: 30_000, weight: 10 });
    const paused = run(holding, { type: "pause", at: 20_000 });
    expect(paused).toMatchObject({ status: "paused", holdRemainingMs: 10_000, holdEndsAt: null });
    expect(holdLeftMs(paused, 999_999)).toBe(10_000);
    const t = transition(plan, paused, { type: "resume", at: 100_000 });
    expect(t).toMatchObject({ ok: true, next: { status: "running", holdEndsAt: 110_000 }, effects: [{ type: "wake_at", at: 110_000 }] });
  });

  it("a step finishing while paused keeps its whole hold frozen until resume", () => {
    const paused = run(state({ status: "running", stepIndex: 1 }), { type: "pause", at: 1 });
    const done = run(paused, { type: "step_succeeded", at: 2, weight: 10 });
    expect(done).toMatchObject({ status: "paused", phase: "hold", weight: 10, holdRemainingMs: 30_000 });
    expect(run(done, { type: "resume", at: 50 })).toMatchObject({ status: "running", holdEndsAt: 30_050 });
  });

  it.each(["running", "paused", "failed"] as const)("promote now from %s jumps to the promote step", (status) => {
    const t = transition(plan, state({ status, stepIndex: 1, phase: "hold", holdEndsAt: 9, weight: 10, failedDuring: status === "failed" ? "step" : null }), {
      type: "promote_now",
    });
    expect(t).toMatchObject({ ok: true, next: { status: "running", stepIndex: PROMOTE, phase: "start" }, effects: [{ type: "execute_step", step: { kind: "promote" } }] });
  });

  it.each(["running", "paused", "failed"] as const)("abort from %s rolls back with the reason", (status) => {
    const t = transition(plan, state({ status, stepIndex: 2, weight: 50 }), { type: "abort", reason: "captain aborted" });
    expect(t).toMatchObject({ ok: true, next: { status: "rolling_back", reason: "captain aborted" }, effects: [{ type: "rollback", reason: "captain aborted" }] });
  });

  it("abort before anything ran just closes the rollout", () => {
    expect(transition(plan, initialState(), { type: "abort", reason: "not needed" })).toMatchObject({ ok: true, next: { status: "rolled_back" }, effects: [] });
  });

  it("a failed step waits for the captain; retry re-runs the same step", () => {
    const failed = run(state({ status: "running", stepIndex: 2, weight: 10 }), { type: "step_failed", error: "smoke: GET /health 500" });
    expect(failed).toMatchObject({ status: "failed", reason: "smoke: GET /health 500", failedDuring: "step", weight: 10 });
    expect(transition(plan, failed, { type: "retry" })).toMatchObject({ ok: true, next: { status: "running", stepIndex: 2, reason: null }, effects: [{ type: "execute_step", stepIndex: 2 }] });
  });

  it("blue-green rolls back by itself when a step fails (runbook 001)", () => {
    const t = transition(plan, state({ status: "running", stepIndex: 1 }), { type: "step_failed", error: "smoke failed" }, { rollbackOnFailure: true });
    expect(t).toMatchObject({ ok: true, next: { status: "rolling_back" }, effects: [{ type: "rollback" }] });
  });

  it("a step refused by policy fails and waits, even for blue-green (no rollback by itself)", () => {
    const t = transition(plan, state({ status: "running", stepIndex: 2, weight: 10 }), { type: "step_blocked", reason: "Action blocked by security gate: lockdown" }, { rollbackOnFailure: true });
    expect(t).toMatchObject({ ok: true, next: { status: "failed", failedDuring: "step", reason: "Action blocked by security gate: lockdown", weight: 10 }, effects: [] });
    if (t.ok) expect(transition(plan, t.next, { type: "retry" })).toMatchObject({ ok: true, effects: [{ type: "execute_step", stepIndex: 2 }] });
  });

  it("a step refused by the security gate pauses where it stands; Resume re-runs that step (issue 14)", () => {
    const t = transition(plan, state({ status: "running", stepIndex: 2, weight: 10 }), { type: "gate_blocked", reason: "Action blocked by security gate: lockdown" }, { rollbackOnFailure: true });
    expect(t).toMatchObject({ ok: true, next: { status: "paused", failedDuring: "step", reason: "Action blocked by security gate: lockdown", weight: 10, stepIndex: 2 }, effects: [] });
    if (!t.ok) return;
    expect(blockedByGate(t.next)).toBe(true);
    const resumed = transition(plan, t.next, { type: "resume", at: 1 });
    expect(resumed).toMatchObject({ ok: true, next: { status: "running", stepIndex: 2, reason: null, failedDuring: null }, effects: [{ type: "execute_step", stepIndex: 2 }] });
    // A captain's own pause while a step runs still resumes without re-running it.
    const paused = run(state({ status: "running", stepIndex: 2 }), { type: "pause", at: 0 });
    expect(blockedByGate(paused)).toBe(false);
    expect(transition(plan, paused, { type: "resume", at: 1 })).toMatchObject({ ok: true, effects: [] });
  });

  it("rollback success ends at weight 0; rollback failure can be retried as a rollback", () => {
    expect(run(state({ status: "rolling_back", weight: 50 }), { type: "rollback_succeeded" })).toMatchObject({ status: "rolled_back", weight: 0 });
    const failed = run(state({ status: "rolling_back", weight: 50, reason: "x" }), { type: "rollback_failed", error: "router down" });
    expect(failed).toMatchObject({ status: "failed", failedDuring: "rollback" });
    expect(transition(plan, failed, { type: "retry" })).toMatchObject({ ok: true, next: { status: "rolling_back" }, effects: [{ type: "rollback" }] });
    expect(transition(plan, failed, { type: "promote_now" })).toMatchObject({ ok: false });
  });
});

describe("rollout machine: refused transitions leave the state alone", () => {
  const refused: [string, Partial<RolloutState>, RolloutEvent][] = [
    ["start twice", { status: "running" }, { type: "start" }],
    ["pause when paused", { status: "paused" }, { type: "pause", at: 1 }],
    ["pause when failed", { status: "failed" }, { type: "pause", at: 1 }],
    ["resume when running", { status: "running" }, { type: "resume", at: 1 }],
    ["retry when running", { status: "running" }, { type: "retry" }],
    ["promote when succeeded", { status: "succeeded" }, { type: "promote_now" }],
    ["promote when rolling back", { status: "rolling_back" }, { type: "promote_now" }],
    ["promote while promoting", { status: "running", stepIndex: PROMOTE }, { type: "promote_now" }],
    ["abort when rolled back", { status: "rolled_back" }, { type: "abort", reason: "x" }],
    ["abort twice", { status: "rolling_back" }, { type: "abort", reason: "x" }],
    ["stale step outcome after abort", { status: "rolling_back" }, { type: "step_succeeded", at: 1 }],
    ["step outcome during a hold", { status: "running", phase: "hold", holdEndsAt: 5 }, { type: "step_succeeded", at: 1 }],
    ["hold elapsed when paused", { status: "paused", phase: "hold", holdRemainingMs: 5 }, { type: "hold_elapsed", at: 1 }],
    ["rollback outcome without rollback", { status: "running" }, { type: "rollback_succeeded" }],
    ["step blocked during a hold", { status: "running", phase: "hold", holdEndsAt: 5 }, { type: "step_blocked", reason: "x" }],
    ["step blocked after the end", { status: "succeeded" }, { type: "step_blocked", reason: "x" }],
  ];
  it.each(refused)("%s", (_name, s, e) => {
    const t = transition(plan, state(s), e);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.error.length).toBeGreaterThan(5);
  });
});

describe("rollout machine: a whole canary", () => {
  it("walks deploy -> 10% -> 50% -> 100% -> promote with holds", () => {
    let s = run(initialState(), { type: "start" }, { type: "step_succeeded", at: 0 });
    expect(s).toMatchObject({ stepIndex: 1 });
    s = run(s, { type: "step_succeeded", at: 0, weight: 10 }, { type: "hold_elapsed", at: 30_000 });
    s = run(s, { type: "step_succeeded", at: 30_000, weight: 50 }, { type: "hold_elapsed", at: 60_000 });
    s = run(s, { type: "step_succeeded", at: 60_000, weight: 100 });
    expect(s).toMatchObject({ stepIndex: PROMOTE, status: "running" });
    expect(run(s, { type: "step_succeeded", at: 60_001 })).toMatchObject({ status: "succeeded", weight: 100 });
  });
});

describe("rollout machine: automatic analysis (issue 4)", () => {
  const holding = state({ status: "running", stepIndex: 1, phase: "hold", holdEndsAt: 35_000, weight: 10 });
  it("a gradual abort carries its drain time to the rollback effect", () => {
    const t = transition(plan, holding, { type: "abort", reason: "canary 5xx", drainMs: 6000 });
    expect(t).toMatchObject({ ok: true, next: { status: "rolling_back", reason: "canary 5xx" }, effects: [{ type: "rollback", reason: "canary 5xx", drainMs: 6000 }] });
  });
  it("an immediate abort has no drain", () => {
    const t = transition(plan, holding, { type: "abort", reason: "x" });
    expect(t).toMatchObject({ ok: true, effects: [{ type: "rollback", reason: "x" }] });
    if (t.ok) expect(t.effects[0]).not.toHaveProperty("drainMs");
  });
  it("rollback_drained sets the weight to 0 and stays rolling back", () => {
    const t = transition(plan, state({ status: "rolling_back", weight: 25 }), { type: "rollback_drained" });
    expect(t).toMatchObject({ ok: true, next: { status: "rolling_back", weight: 0 }, effects: [] });
    expect(transition(plan, state({ status: "running" }), { type: "rollback_drained" }).ok).toBe(false);
  });
  it("a system pause keeps its reason until the captain resumes", () => {
    const paused = run(holding, { type: "pause", at: 10_000, reason: "held for the captain: canary 5xx 1% >= 0.5%" });
    expect(paused).toMatchObject({ status: "paused", reason: "held for the captain: canary 5xx 1% >= 0.5%", holdRemainingMs: 25_000 });
    expect(run(paused, { type: "resume", at: 20_000 })).toMatchObject({ status: "running", reason: null, holdEndsAt: 45_000 });
    expect(transition(plan, paused, { type: "abort", reason: "unhealthy", drainMs: 1 })).toMatchObject({ ok: true, next: { status: "rolling_back" } });
  });
});
