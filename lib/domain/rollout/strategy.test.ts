import { describe, expect, it } from "vitest";
import { DEFAULT_CANARY_STEPS, planOf, strategySchema } from "./strategy";

const shifts = (s: unknown) =>
  planOf(strategySchema.parse(s))
    .filter((p) => p.kind === "shift")
    .map((p) => (p.kind === "shift" ? [p.weight, p.holdMs] : []));

describe("strategy plans", () => {
  it("runbook 002's default canary: 5/10/25/50/100 with 30 min holds, then promote", () => {
    const plan = planOf(strategySchema.parse({ kind: "canary", steps: DEFAULT_CANARY_STEPS }));
    expect(plan[0]).toEqual({ kind: "deploy" });
    expect(plan.at(-1)).toEqual({ kind: "promote" });
    expect(shifts({ kind: "canary", steps: DEFAULT_CANARY_STEPS })).toEqual([
      [5, 1_800_000],
      [10, 1_800_000],
      [25, 1_800_000],
      [50, 1_800_000],
      [100, 0],
    ]);
  });

  it.each([
    [{ initialPercentage: 10, incrementPercentage: 10, incrementInterval: 300000, maxPercentage: 100 }, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]],
    [{ initialPercentage: 5, incrementPercentage: 20, incrementInterval: 1000, maxPercentage: 50 }, [5, 25, 45, 50]],
    [{ initialPercentage: 100, incrementPercentage: 10, incrementInterval: 1000, maxPercentage: 100 }, [100]],
  ])("runbook 003's generated canary %o", (cfg, weights) => {
    const s = shifts({ kind: "canary", ...cfg });
    expect(s.map((x) => x[0])).toEqual(weights);
    expect(s[0]?.[1]).toBe(cfg.initialPercentage === 100 ? 0 : cfg.incrementInterval);
  });

  it("blue-green switches all traffic and holds 15 minutes by default (runbook 001)", () => {
    expect(shifts({ kind: "blue_green" })).toEqual([[100, 900_000]]);
  });

  it("rolling splits into batches with pauses between them", () => {
    expect(shifts({ kind: "rolling", batches: 3, pauseSeconds: 2 })).toEqual([
      [33, 2000],
      [67, 2000],
      [100, 0],
    ]);
  });

  it("holds scale down to seconds and below for demos and tests", () => {
    expect(shifts({ kind: "canary", steps: [{ weight: 50, holdSeconds: 0.5 }, { weight: 100, holdSeconds: 0 }] })).toEqual([
      [50, 500],
      [100, 0],
    ]);
  });
});

describe("invalid strategies are refused with a message at the right field", () => {
  it.each([
    [{ kind: "canary", steps: [{ weight: 10, holdSeconds: 1 }, { weight: 5, holdSeconds: 1 }] }, "steps.1.weight", "more traffic"],
    [{ kind: "canary", steps: [{ weight: 10, holdSeconds: 1 }, { weight: 10, holdSeconds: 1 }] }, "steps.1.weight", "more traffic"],
    [{ kind: "canary", steps: [{ weight: 120, holdSeconds: 1 }] }, "steps.0.weight", "exceed 100"],
    [{ kind: "canary", steps: [{ weight: 0, holdSeconds: 1 }] }, "steps.0.weight", "start at 1"],
    [{ kind: "canary", steps: [{ weight: 10, holdSeconds: -1 }] }, "steps.0.holdSeconds", "negative"],
    [{ kind: "canary", steps: [] }, "steps", "at least one"],
    [{ kind: "canary", initialPercentage: 60, incrementPercentage: 10, incrementInterval: 1000, maxPercentage: 50 }, "initialPercentage", "exceed the maximum"],
    [{ kind: "rolling", batches: 0 }, "batches", "at least one"],
  ])("%o", (input, path, message) => {
    const r = strategySchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.some((i) => i.path.join(".") === path && i.message.includes(message))).toBe(true);
  });

  it("an unknown strategy kind names the choices", () => {
    const r = strategySchema.safeParse({ kind: "yolo" });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toContain("Choose a strategy");
  });
});
