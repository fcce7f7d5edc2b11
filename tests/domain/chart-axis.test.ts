import { describe, expect, it } from "vitest";
import { axisTop, niceCeil } from "@/lib/domain/analysis/chart";

describe("chart value axes", () => {
  it("round up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 0.3, 1, 1.2, 4, 7, 12, 450, 690].map(niceCeil)).toEqual([1, 0.5, 1, 2, 5, 10, 20, 500, 1000]);
  });

  it("keep a percentage within 100% (memory at 40% with its 90% rule: axis to 100, not 200)", () => {
    expect(axisTop([40, 42], [80, 90], "%")).toBe(100);
    expect(axisTop([3], [5], "%")).toBe(10);
    // A CPU share above 100% (several cores) still fits.
    expect(axisTop([140], [90], "%")).toBe(200);
  });

  it("leave room above thresholds for other units", () => {
    expect(axisTop([450], [600], "ms")).toBe(1000);
    expect(axisTop([], [], "/s")).toBe(1);
  });
});
