import { describe, expect, it } from "vitest";
import { rollbackPlan } from "./rollback-plan";

const base = { service: "api", environment: "production", current: "2.0.0", previous: "1.9.0", override: null, live: null };

describe("rollback plan (dry run)", () => {
  it("targets the version before the current one", () => {
    expect(rollbackPlan(base)).toMatchObject({ ok: true, kind: "redeploy", from: "2.0.0", to: "1.9.0", source: "last known good before the current version" });
  });
  it("LAST_GOOD_COMMIT wins over the records (runbook 000)", () => {
    expect(rollbackPlan({ ...base, override: "abc123" })).toMatchObject({ ok: true, to: "abc123", source: "LAST_GOOD_COMMIT" });
  });
  it("a live rollout is aborted: canary weight 0, canary removed", () => {
    const p = rollbackPlan({ ...base, live: { id: 7, toVersion: "2.1.0", fromVersion: "2.0.0", status: "running" } });
    expect(p).toMatchObject({ ok: true, kind: "abort_live", from: "2.1.0", to: "2.0.0", rolloutId: 7 });
    expect(p.ok && p.steps).toContain("Set the weight of 2.1.0 to 0%");
  });
  it.each([
    [{ ...base, previous: null }, /No earlier version/],
    [{ ...base, previous: "2.0.0" }, /already runs 2.0.0/],
    [{ ...base, live: { id: 3, toVersion: "2.1.0", fromVersion: "2.0.0", status: "rolling_back" } }, /already rolling back/],
  ])("refuses with a reason: %#", (input, reason) => {
    const p = rollbackPlan(input);
    expect(p.ok).toBe(false);
    expect(!p.ok && p.reason).toMatch(reason);
  });
});
