import { z } from "zod";

/** Runbook 002's canary: 5 -> 10 -> 25 -> 50 -> 100 with 30-minute holds. */
export const DEFAULT_CANARY_STEPS = [5, 10, 25, 50, 100].map((weight) => ({ weight, holdSeconds: weight === 100 ? 0 : 1800 }));

/** The Rollouts page's (and the API's) default for a new rollout: runbook 002's weights with holds short enough to watch. */
export const DEFAULT_ROLLOUT_STRATEGY = { kind: "canary", steps: DEFAULT_CANARY_STEPS.map((s) => ({ weight: s.weight, holdSeconds: s.weight === 100 ? 0 : 20 })) } as const;

const weight = z.number().int("Weights are whole percentages.").min(1, "Weights start at 1%.").max(100, "Weights cannot exceed 100%.");
const seconds = z.number().min(0, "Hold times cannot be negative.").max(7 * 24 * 3600, "Hold times are at most 7 days.");

const explicitCanary = z
  .object({
    kind: z.literal("canary"),
    steps: z.array(z.object({ weight, holdSeconds: seconds }).strict()).min(1, "Give at least one step.").max(50),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.steps.forEach((step, i) => {
      const prev = s.steps[i - 1];
      if (prev && step.weight <= prev.weight) {
        ctx.addIssue({ code: "custom", path: ["steps", i, "weight"], message: `Step ${i + 1} must send more traffic than step ${i} (${prev.weight}%).` });
      }
    });
    // A canary that stopped at 50% would jump to 100% at promotion without a hold: say so instead.
    const last = s.steps.at(-1);
    if (last && last.weight !== 100 && s.steps.every((step, i) => i === 0 || step.weight > s.steps[i - 1]!.weight)) {
      ctx.addIssue({ code: "custom", path: ["steps", s.steps.length - 1, "weight"], message: `The last step must send 100% of traffic to the new version (it ends at ${last.weight}%): add a 100% step.` });
    }
  });

/** Runbook 003's generated canary (incrementInterval in milliseconds, as in its API). */
const generatedCanary = z
  .object({
    kind: z.literal("canary"),
    initialPercentage: weight,
    incrementPercentage: weight,
    incrementInterval: z.number().int().min(0, "Hold times cannot be negative.").max(7 * 24 * 3600 * 1000),
    maxPercentage: weight,
  })
  .strict()
  .refine((s) => s.initialPercentage <= s.maxPercentage, { path: ["initialPercentage"], message: "Initial percentage cannot exceed the maximum." });

const blueGreen = z
  .object({
    kind: z.literal("blue_green"),
    /** Runbook 001: monitor 15 minutes after switching to green. */
    holdSeconds: seconds.default(900),
  })
  .strict();

const rolling = z
  .object({
    kind: z.literal("rolling"),
    batches: z.number().int().min(1, "Use at least one batch.").max(20, "Use at most 20 batches."),
    pauseSeconds: seconds.default(60),
  })
  .strict();

type StrategyOutput = z.output<typeof explicitCanary> | z.output<typeof generatedCanary> | z.output<typeof blueGreen> | z.output<typeof rolling>;

function schemaFor(v: unknown) {
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  if (o.kind === "canary") return "steps" in o ? explicitCanary : generatedCanary;
  if (o.kind === "blue_green") return blueGreen;
  if (o.kind === "rolling") return rolling;
  return undefined;
}

/** Picks the variant by `kind` (and `steps` for canaries) so every error keeps its field path. */
export const strategySchema = z.unknown().transform((value, ctx): StrategyOutput => {
  const schema = schemaFor(value);
  if (!schema) {
    ctx.addIssue({ code: "custom", path: ["kind"], message: 'Choose a strategy: "canary" (steps, or the generated canary fields), "blue_green" or "rolling".' });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return parsed.data;
});
export type Strategy = z.output<typeof strategySchema>;

/** A unit of rollout work. `shift` runs smoke checks, sets the weight, then holds. */
export type PlanStep =
  | { kind: "deploy" }
  | { kind: "shift"; weight: number; holdMs: number }
  | { kind: "promote" };

/** Expands a strategy into the steps the machine walks through, always ending in promote. */
export function planOf(strategy: Strategy): PlanStep[] {
  const shifts: { weight: number; holdMs: number }[] = [];
  if (strategy.kind === "canary" && "steps" in strategy) {
    for (const s of strategy.steps) shifts.push({ weight: s.weight, holdMs: Math.round(s.holdSeconds * 1000) });
  } else if (strategy.kind === "canary") {
    for (let w = strategy.initialPercentage; w < strategy.maxPercentage; w += strategy.incrementPercentage) {
      shifts.push({ weight: w, holdMs: strategy.incrementInterval });
    }
    shifts.push({ weight: strategy.maxPercentage, holdMs: strategy.maxPercentage === 100 ? 0 : strategy.incrementInterval });
  } else if (strategy.kind === "blue_green") {
    shifts.push({ weight: 100, holdMs: Math.round(strategy.holdSeconds * 1000) });
  } else {
    for (let b = 1; b <= strategy.batches; b++) {
      shifts.push({ weight: Math.round((b * 100) / strategy.batches), holdMs: b === strategy.batches ? 0 : Math.round(strategy.pauseSeconds * 1000) });
    }
  }
  return [{ kind: "deploy" }, ...shifts.map((s) => ({ kind: "shift" as const, ...s })), { kind: "promote" }];
}

/** Blue-green switches back by itself on failure (runbook 001); canary and rolling wait for the captain. */
export function rollsBackOnFailure(strategy: Strategy): boolean {
  return strategy.kind === "blue_green";
}
