import { expect } from "vitest";

/**
 * Asserts that `seen` (from versionsSeen) is a weighted random split: only `stable` and `canary`
 * answered, and the canary's count lies within 4.5 standard deviations of `weight`% of the total
 * (binomial; a correct router fails this about once in 150,000 runs). Returns the canary's count.
 */
export function expectWeightedSplit(seen: Record<string, number>, split: { stable: string; canary: string; weight: number }): number {
  const n = Object.values(seen).reduce((s, v) => s + v, 0);
  expect(Object.keys(seen).filter((v) => v !== split.stable && v !== split.canary), `answers: ${JSON.stringify(seen)}`).toEqual([]);
  const p = split.weight / 100;
  const got = seen[split.canary] ?? 0;
  const slack = 4.5 * Math.sqrt(n * p * (1 - p)) + 1;
  expect(Math.abs(got - n * p), `canary ${got} of ${n} at ${split.weight}% (allowed ${Math.round(n * p)} +-${Math.floor(slack)})`).toBeLessThanOrEqual(slack);
  return got;
}
