import { describe, expect, it } from "vitest";
import { gatesFor, overallHealth, probeClass, validationStanding } from "@/lib/domain/health";

describe("probe health classes (C3)", () => {
  it.each([
    ["no result", [], "degraded"],
    ["fast answer", [{ ok: true, ms: 20 }], "healthy"],
    ["slow answer", [{ ok: true, ms: 1500 }], "degraded"],
    ["one failure", [{ ok: false, ms: 5 }, { ok: true, ms: 5 }], "degraded"],
    ["two failures in a row", [{ ok: false, ms: 5 }, { ok: false, ms: 5 }], "unhealthy"],
    ["recovered", [{ ok: true, ms: 5 }, { ok: false, ms: 5 }], "healthy"],
  ] as const)("%s -> %s", (_n, results, expected) => {
    expect(probeClass(results, 1000).health).toBe(expected);
  });

  it.each([
    [[], "degraded"],
    [["healthy", "healthy"], "healthy"],
    [["healthy", "degraded"], "degraded"],
    [["degraded", "unhealthy", "healthy"], "unhealthy"],
  ] as const)("overall of %j is %s", (classes, expected) => {
    expect(overallHealth(classes)).toBe(expected);
  });
});

describe("release validations (C2)", () => {
  it("production checks parity and soak on top of staging's gates", () => {
    expect(gatesFor({ production: false })).toEqual(["preflight", "health", "security"]);
    expect(gatesFor({ production: true })).toEqual(["preflight", "health", "security", "parity", "soak"]);
  });

  const now = 10_000_000;
  it.each([
    ["none", undefined, false, /first/],
    ["running", { status: "running", finishedAt: null, fingerprint: "f" }, false, /still running/],
    ["failed", { status: "failed", finishedAt: now, fingerprint: "f" }, false, /failed/],
    ["changed release", { status: "passed", finishedAt: now, fingerprint: "old" }, false, /changed/],
    ["too old", { status: "passed", finishedAt: now - 61 * 60_000, fingerprint: "f" }, false, /older than 1 hour/],
    ["passed and fresh", { status: "passed", finishedAt: now - 59 * 60_000, fingerprint: "f" }, true, undefined],
  ] as const)("%s", (_n, v, ok, reason) => {
    const r = validationStanding(v, "f", now);
    expect(r.ok).toBe(ok);
    if (!r.ok && reason) expect(r.reason).toMatch(reason);
  });
});
