import { describe, expect, it } from "vitest";
import { FLAG_MESSAGES, createFlagInput, flagdDefinition, parseFlagInput, updateFlagInput } from "@/lib/domain/flags/flag";
import { flagChangeFor } from "@/lib/domain/flags/rollout-binding";
import { type RolloutEvent, initialState, transition } from "@/lib/domain/rollout/machine";
import { planOf } from "@/lib/domain/rollout/strategy";
import { InvalidError } from "@/lib/errors";

// deploy, shift 25 (hold), shift 100, promote.
const plan = planOf({ kind: "canary", steps: [{ weight: 25, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] } as never);

/** Runs events through the real machine; returns the flag change of each (what the rollout engine applies). */
function changesOf(events: RolloutEvent[], opts: { rollbackOnFailure?: boolean } = {}) {
  let s = initialState();
  return events.map((e) => {
    const t = transition(plan, s, e, opts);
    if (!t.ok) throw new Error(`${e.type}: ${t.error}`);
    const change = flagChangeFor(plan, s, e, t);
    s = t.next;
    return change;
  });
}

const at = 1_000;
const toCanary25: RolloutEvent[] = [{ type: "start" }, { type: "step_succeeded", at, weight: 0 }, { type: "step_succeeded", at, weight: 25 }];

describe("runbook 002: the bound flag follows the canary", () => {
  it("start and deploy leave it; the 25% shift sets 25; 100% then promotion and success set 100", () => {
    expect(changesOf([...toCanary25, { type: "hold_elapsed", at: at + 60_000 }, { type: "step_succeeded", at, weight: 100 }, { type: "step_succeeded", at, weight: 100 }])).toEqual([
      null,
      null,
      { kind: "set", percentage: 25 },
      null,
      { kind: "set", percentage: 100 },
      { kind: "set", percentage: 100 },
    ]);
  });

  it.each([
    ["a manual abort (immediate)", { type: "abort", reason: "errors" }, { kind: "disable" }],
    ["an automatic immediate rollback", { type: "abort", reason: "5xx > 5%" }, { kind: "disable" }],
    ["a gradual rollback: 0 first", { type: "abort", reason: "p95 > 600 ms", drainMs: 5000 }, { kind: "set", percentage: 0 }],
  ] as const)("%s", (_name, abort, change) => {
    expect(changesOf([...toCanary25, abort]).at(-1)).toEqual(change);
  });

  it("a gradual rollback switches the flag off when the canary is removed", () => {
    const changes = changesOf([...toCanary25, { type: "abort", reason: "p95", drainMs: 5000 }, { type: "rollback_drained" }, { type: "rollback_succeeded" }]);
    expect(changes.slice(-3)).toEqual([{ kind: "set", percentage: 0 }, null, { kind: "disable" }]);
  });

  it("a failed step that rolls back by strategy disables at once; one that only fails leaves the flag", () => {
    const fail: RolloutEvent = { type: "step_failed", error: "smoke failed" };
    expect(changesOf([...toCanary25, { type: "hold_elapsed", at: at + 60_000 }, fail], { rollbackOnFailure: true }).at(-1)).toEqual({ kind: "disable" });
    expect(changesOf([...toCanary25, { type: "hold_elapsed", at: at + 60_000 }, fail]).at(-1)).toBeNull();
  });

  it("pause and resume leave it; an abort before the start switches it off", () => {
    expect(changesOf([...toCanary25, { type: "pause", at }, { type: "resume", at }]).slice(-2)).toEqual([null, null]);
    expect(changesOf([{ type: "abort", reason: "never mind" }])).toEqual([{ kind: "disable" }]);
  });
});

describe("flag inputs", () => {
  const ok = { key: "release_20250814", description: "Elite endpoints", enabled: "on", rolloutPercentage: "5" };

  it("parses a form: checkbox, whole percent, no binding", () => {
    expect(parseFlagInput(createFlagInput, ok)).toEqual({ key: "release_20250814", description: "Elite endpoints", enabled: true, rolloutPercentage: 5 });
  });

  it.each([["-1"], ["101"], ["12.5"], ["lots"], [""], [undefined], [null], [true]])("percentage %s is refused with the specific message", (rolloutPercentage) => {
    const err = (() => {
      try {
        parseFlagInput(createFlagInput, { ...ok, rolloutPercentage });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidError);
    expect(err).toMatchObject({ message: FLAG_MESSAGES.percentage, fieldErrors: { rolloutPercentage: [FLAG_MESSAGES.percentage] } });
  });

  it.each([["Release"], ["1abc"], ["a"], ["has space"], ["x".repeat(101)]])("key %s is refused", (key) => {
    expect(() => parseFlagInput(createFlagInput, { ...ok, key })).toThrow(FLAG_MESSAGES.key);
  });

  it("a binding needs both a service and an environment", () => {
    expect(() => parseFlagInput(createFlagInput, { ...ok, serviceId: "3", environmentId: "" })).toThrow(FLAG_MESSAGES.binding);
    expect(parseFlagInput(updateFlagInput, { ...ok, id: "1", rowVersion: "2", serviceId: "3", environmentId: "4" })).toMatchObject({ id: 1, rowVersion: 2, serviceId: 3, environmentId: 4 });
  });
});

describe("the flagd definition", () => {
  it("serves each flag with on/off variants and fractional targeting salted with the flag key", () => {
    expect(
      flagdDefinition([
        { key: "a", enabled: true, rolloutPercentage: 25 },
        { key: "b", enabled: false, rolloutPercentage: 0 },
      ]),
    ).toEqual({
      $schema: "https://flagd.dev/schema/v0/flags.json",
      flags: {
        a: {
          state: "ENABLED",
          variants: { on: true, off: false },
          defaultVariant: "off",
          targeting: { fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: "targetingKey" }] }, ["on", 25], ["off", 75]] },
        },
        b: {
          state: "DISABLED",
          variants: { on: true, off: false },
          defaultVariant: "off",
          targeting: { fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: "targetingKey" }] }, ["on", 0], ["off", 100]] },
        },
      },
    });
  });
});
