import { describe, expect, it } from "vitest";
import { changesOf, editableFields, frozenProblems } from "@/lib/domain/release/edit";
import { checkCommand } from "@/lib/domain/release/lifecycle";

const values = { version: "1.1.0", commitSha: "abcdef1", changeLog: "a", rollbackPlan: "b", strategy: "{}", migrations: "", hotfix: "false", sev1: "false", soakMinutes: "1440", monitoringMinutes: "60" };

describe("what a release edit may change (issue 14)", () => {
  it("everything in pre-flight; words and timings once the build went to staging; nothing from the production rollout on", () => {
    expect(editableFields("preflight")).toHaveLength(10);
    expect(editableFields("staging_soak")).toEqual(["changeLog", "rollbackPlan", "soakMinutes", "monitoringMinutes"]);
    expect(editableFields("production_approval")).toEqual(["changeLog", "rollbackPlan", "monitoringMinutes"]);
    expect(editableFields("production_rollout")).toEqual([]);
    expect(editableFields("completed")).toEqual([]);
  });

  it("names the phase when a frozen field changes", () => {
    const changes = changesOf(values, { ...values, commitSha: "1234567", soakMinutes: "60", rollbackPlan: "c" });
    expect(changes.map((c) => c.field)).toEqual(["commitSha", "rollbackPlan", "soakMinutes"]);
    expect(frozenProblems("production_approval", changes)).toEqual({
      commitSha: "Commit cannot change in Production approval: staging tested this build. Create a new release for another one.",
      soakMinutes: "Staging soak (minutes) cannot change in Production approval.",
    });
    expect(frozenProblems("preflight", changes)).toEqual({});
  });

  it("production needs the smoke sign-off again after an edit voided it", () => {
    const facts = { phase: "production_approval" as const, now: 0, phaseEnteredAt: 0, soakMinutes: 0, monitoringMinutes: 60, preflight: { total: 1, passed: 1, failing: [] }, liveRollout: false };
    expect(checkCommand("start_production", { ...facts, smokeSignedOff: false })).toEqual({ ok: false, reason: "A feature owner has not signed off the staging smoke tests yet." });
    expect(checkCommand("start_production", { ...facts, smokeSignedOff: true })).toEqual({ ok: true, next: "production_rollout" });
  });
});
