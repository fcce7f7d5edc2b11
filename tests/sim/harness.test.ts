import { describe, expect, it } from "vitest";
import { type JudgeFigures, plan, simulateRow, summarize } from "@/scripts/sim/harness";
import { runOnce } from "@/scripts/sim/run";
import { SCENARIOS, profile } from "@/scripts/sim/scenarios";
import { clopperPearsonUpper } from "@/scripts/sim/stats";

const scenario = (id: string) => SCENARIOS.find((s) => s.id === id)!;
const withoutTiming = ({ elapsedMs: _elapsed, ...f }: JudgeFigures) => f;

describe("simulation harness", () => {
  it("gives the same figures for the same seed", () => {
    const [spec] = plan({ only: ["demo.err-20.20rps"], runs: 4 });
    const a = simulateRow(spec!, "test-seed");
    const b = simulateRow(spec!, "test-seed");
    expect(withoutTiming(a.new)).toEqual(withoutTiming(b.new));
    expect(withoutTiming(a.old)).toEqual(withoutTiming(b.old));
    expect(a.new.runs).toBe(4);
  });

  it("rolls back a 33% 5xx canary at 20 requests/s with the sequential judge, within seconds", () => {
    const [spec] = plan({ only: ["demo.err-33.20rps"], runs: 5 });
    const r = simulateRow(spec!, "test-seed");
    const s = summarize(r.new);
    expect(r.new.rollbacks).toBe(5);
    expect(s.ttdMedianS).toBeLessThan(10);
    expect(s.promotions).toBe(0);
  });

  it("never promotes a canary whose provider is down or that gets no traffic", () => {
    for (const id of ["outage", "zero"]) {
      for (const judge of ["old", "new"] as const) {
        const r = runOnce(judge, profile("demo"), scenario(id), 1, `test-${id}`);
        expect(r.outcome).toBe("paused");
        expect(r.kind).toBe(id === "outage" ? "pause_errors" : "pause_inconclusive");
      }
    }
  });

  it("bounds rates with Clopper-Pearson (rule of three at zero events)", () => {
    expect(clopperPearsonUpper(0, 300)).toBeCloseTo(0.00994, 4);
    expect(clopperPearsonUpper(1, 100)).toBeCloseTo(0.0466, 3);
    expect(clopperPearsonUpper(5, 5)).toBe(1);
  });
});
