import { describe, expect, it } from "vitest";
import { formatDuration } from "@/lib/domain/format";

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [-5_000, "0 s"],
    [42_000, "42 s"],
    [110_000, "110 s"],
    [119_999, "119 s"],
    [120_000, "2 min"],
    [59 * 60_000, "59 min"],
    [3 * 3_600_000 + 5 * 60_000, "3 h 5 min"],
    [50 * 3_600_000, "2 d 2 h"],
  ])("%i ms reads %s (seconds under two minutes)", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
