import { describe, expect, it } from "vitest";
import { throttleMessage, throttleUntil } from "@/lib/domain/throttle";

const MIN = 60_000;
const WINDOW = 15 * MIN;
const NOW = 1_800_000_000_000;
const ago = (...minutes: number[]) => minutes.map((m) => NOW - m * MIN);

describe("throttleUntil (5 failures / 15 min)", () => {
  it.each<{ name: string; failures: number[]; until: number | null }>([
    { name: "no failures", failures: [], until: null },
    { name: "4 failures in window", failures: ago(1, 2, 3, 4), until: null },
    { name: "5 failures in window -> until oldest + window", failures: ago(1, 2, 3, 4, 5), until: NOW - 5 * MIN + WINDOW },
    { name: "6 failures: the 5th newest decides", failures: ago(1, 2, 3, 4, 5, 6), until: NOW - 5 * MIN + WINDOW },
    { name: "5 failures but one is older than the window", failures: ago(1, 2, 3, 4, 16), until: null },
    { name: "a failure exactly at the window edge does not count", failures: ago(1, 2, 3, 4, 15), until: null },
    { name: "a failure just inside the edge counts", failures: [...ago(1, 2, 3, 4), NOW - WINDOW + 1], until: NOW + 1 },
    { name: "all in the same millisecond", failures: [NOW, NOW, NOW, NOW, NOW], until: NOW + WINDOW },
    { name: "all long ago", failures: ago(100, 101, 102, 103, 104, 105), until: null },
  ])("$name", ({ failures, until }) => {
    expect(throttleUntil(failures, NOW, 5, WINDOW)).toBe(until);
  });

  it("the lockout ends on its own: at `until` the attempt is allowed", () => {
    const failures = ago(1, 2, 3, 4, 5);
    const until = throttleUntil(failures, NOW, 5, WINDOW)!;
    expect(until).toBeGreaterThan(NOW);
    expect(throttleUntil(failures, until - 1, 5, WINDOW)).toBe(until);
    expect(throttleUntil(failures, until, 5, WINDOW)).toBeNull();
  });

  it.each([1, 3, 10])("respects maxFailures = %i", (max) => {
    const failures = Array.from({ length: max }, (_, i) => NOW - (i + 1) * 1000);
    expect(throttleUntil(failures.slice(0, max - 1), NOW, max, WINDOW)).toBeNull();
    expect(throttleUntil(failures, NOW, max, WINDOW)).toBe(failures[max - 1]! + WINDOW);
  });
});

describe("throttleMessage", () => {
  it.each([
    { left: 1, text: "1 minute." },
    { left: 30_000, text: "1 minute." },
    { left: 60_000, text: "1 minute." },
    { left: 60_001, text: "2 minutes." },
    { left: 15 * MIN, text: "15 minutes." },
    { left: -5000, text: "1 minute." },
  ])("$left ms left -> '$text'", ({ left, text }) => {
    const msg = throttleMessage(NOW + left, NOW);
    expect(msg.startsWith("Too many failed sign-in attempts")).toBe(true);
    expect(msg.endsWith(`Try again in ${text}`)).toBe(true);
  });
});
