import { describe, expect, it } from "vitest";
import {
  type VerificationProbe,
  afterAttempt,
  deployedChangelogText,
  describeProbes,
  healthProbe,
  rollbackOutcome,
  rolledBackChangelogText,
  verificationTimelineText,
} from "@/lib/domain/rollout/rollback-verification";

const stable = (version: string, healthy = true, detail = "pid 7, port 4010") => ({ version, role: "stable" as const, healthy, detail });
const smoke = (ok: boolean): VerificationProbe => ({ kind: "smoke", ok, url: "http://127.0.0.1:4010/health", status: ok ? 200 : null, ms: 3, detail: ok ? "HTTP 200" : "unreachable (fetch failed)" });

describe("which rollouts are rollbacks to verify (K2)", () => {
  it.each([
    ["abort: fromVersion serves again", { status: "rolled_back", fromVersion: "1.0.0", toVersion: "1.1.0" }, false, { bad: "1.1.0", restored: "1.0.0" }],
    ["a first rollout rolled back restored nothing", { status: "rolled_back", fromVersion: null, toVersion: "1.0.0" }, false, null],
    ["redeploy of the earlier version: toVersion is restored", { status: "succeeded", fromVersion: "1.1.0", toVersion: "1.0.0" }, true, { bad: "1.1.0", restored: "1.0.0" }],
    ["an ordinary success", { status: "succeeded", fromVersion: "1.0.0", toVersion: "1.1.0" }, false, null],
    ["a failed rollback", { status: "failed", fromVersion: "1.0.0", toVersion: "1.1.0" }, false, null],
  ])("%s", (_, r, redeploy, want) => {
    expect(rollbackOutcome(r, redeploy)).toEqual(want);
  });
});

describe("health probe of the restored version", () => {
  it("healthy stable of the restored version passes", () => {
    expect(healthProbe({ versions: [stable("1.0.0")] }, "1.0.0", { perVersionHealth: true })).toEqual({ kind: "health", ok: true, version: "1.0.0", healthy: true, detail: "1.0.0 healthy (pid 7, port 4010)" });
  });
  it("a dead stable, another version, or nothing running fails with the reason", () => {
    expect(healthProbe({ versions: [stable("1.0.0", false, "process 7 is not running")] }, "1.0.0", { perVersionHealth: true })).toMatchObject({ ok: false, detail: "1.0.0 is down: process 7 is not running" });
    expect(healthProbe({ versions: [stable("1.1.0")] }, "1.0.0", { perVersionHealth: true })).toMatchObject({ ok: false, detail: "stable is 1.1.0, expected 1.0.0" });
    expect(healthProbe({ versions: [] }, "1.0.0", { perVersionHealth: true })).toMatchObject({ ok: false, detail: "no stable version runs (expected 1.0.0)" });
  });
  it("a command driver's status has no per-version health: its answer is enough", () => {
    expect(healthProbe({ versions: [] }, "1.0.0", { perVersionHealth: false })).toMatchObject({ ok: true });
  });
});

describe("attempts", () => {
  const ok = healthProbe({ versions: [stable("1.0.0")] }, "1.0.0", { perVersionHealth: true });
  it.each([
    [1, [ok, smoke(true)], "passed"],
    [1, [ok, smoke(false)], "retry"],
    [2, [smoke(false)], "retry"],
    [3, [ok, smoke(false)], "failed"],
    [3, [], "failed"],
    [3, [ok], "passed"],
  ] as const)("attempt %i of 3 with %j -> %s", (attempt, probes, want) => {
    expect(afterAttempt(attempt, 3, probes)).toBe(want);
  });
});

describe("texts", () => {
  const ok = healthProbe({ versions: [stable("1.0.0")] }, "1.0.0", { perVersionHealth: true });
  const down = healthProbe({ versions: [stable("1.0.0", false, "process 7 is not running")] }, "1.0.0", { perVersionHealth: true });
  it("the incident timeline's entries", () => {
    expect(verificationTimelineText("passed", "1.0.0", "production", [ok, smoke(true)], 1)).toBe(
      "Service restored: verification passed (1.0.0 in production; health: 1.0.0 healthy (pid 7, port 4010); smoke http://127.0.0.1:4010/health: HTTP 200 (3 ms)).",
    );
    expect(verificationTimelineText("failed", "1.0.0", "production", [down, smoke(false)], 3)).toBe(
      "Verification after rollback FAILED after 3 attempts: 1.0.0 in production does not serve (health: 1.0.0 is down: process 7 is not running; smoke http://127.0.0.1:4010/health: unreachable (fetch failed) (3 ms)).",
    );
    expect(describeProbes([])).toBe("");
  });
  it("the release change log's entries", () => {
    expect(deployedChangelogText({ id: 9, service: "api", fromVersion: "0.9.0", toVersion: "1.0.0" }, "production")).toBe("Deployed api 1.0.0 to production (rollout #9), replacing 0.9.0.");
    expect(deployedChangelogText({ id: 9, service: "api", fromVersion: null, toVersion: "1.0.0" }, "staging")).toBe("Deployed api 1.0.0 to staging (rollout #9).");
    const at = Date.UTC(2026, 5, 10, 12, 0);
    expect(rolledBackChangelogText({ id: 12, service: "api" }, { bad: "1.1.0", restored: "1.0.0" }, "production", { id: 9, toVersion: "1.0.0", finishedAt: at })).toBe(
      "Rolled back api 1.1.0 -> 1.0.0 in production (rollout #12); original deploy: rollout #9 of 1.0.0 on 2026-06-10 12:00 UTC.",
    );
    expect(rolledBackChangelogText({ id: 12, service: "api" }, { bad: "1.1.0", restored: "1.0.0" }, "production", undefined)).toBe(
      "Rolled back api 1.1.0 -> 1.0.0 in production (rollout #12); original deploy of 1.0.0: not on record.",
    );
  });
});
