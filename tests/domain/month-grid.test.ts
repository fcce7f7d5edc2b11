import { describe, expect, it } from "vitest";
import { DEFAULT_WINDOWS } from "@/lib/domain/windows/calendar";
import { monthGrid } from "@/lib/domain/windows/month-grid";

describe("calendar month grid (F2)", () => {
  it("December 2026 starts on a Tuesday and shows the default freezes and the first-Tuesday maintenance", () => {
    const weeks = monthGrid(2026, 11, DEFAULT_WINDOWS.map((w, i) => ({ ...w, id: i + 1 })));
    expect(weeks[0]!.map((c) => c.day)).toEqual([null, Date.UTC(2026, 11, 1), ...[2, 3, 4, 5, 6].map((d) => Date.UTC(2026, 11, d))]);
    const day = (d: number) => weeks.flat().find((c) => c.day === Date.UTC(2026, 11, d))!;
    expect(day(1).windows.map((w) => w.kind)).toEqual(["maintenance"]);
    expect(day(23).windows).toEqual([]);
    for (const d of [24, 25, 26, 31]) expect(day(d).windows.map((w) => w.kind)).toEqual(["freeze"]);
    expect(day(27).windows).toEqual([]);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
  });
});
