import { describe, expect, it } from "vitest";
import { type RELEASE_COMMANDS, type ReleasePhase, afterRollout, checkCommand, mayDrive } from "@/lib/domain/release/lifecycle";

const base = { now: 10_000_000, phaseEnteredAt: 10_000_000, soakMinutes: 0, monitoringMinutes: 15, preflight: { total: 2, passed: 2, failing: [] as string[] }, smokeSignedOff: true, liveRollout: false };

describe("release lifecycle (B3)", () => {
  it.each<[string, ReleasePhase, Partial<typeof base> & { cutSoakShortReason?: string }, boolean | RegExp]>([
    ["deploy_staging", "preflight", {}, true],
    ["deploy_staging", "preflight", { preflight: { total: 2, passed: 1, failing: ["Backup"] } }, /Pre-flight is not complete: Backup/],
    ["deploy_staging", "staging_deploy", { liveRollout: true }, /still running/],
    ["request_approval", "staging_soak", {}, true],
    ["request_approval", "staging_soak", { soakMinutes: 1440 }, /1440 min left; give a reason/],
    ["request_approval", "staging_soak", { soakMinutes: 1440, cutSoakShortReason: "SEV-2 fix" }, true],
    ["request_approval", "staging_soak", { smokeSignedOff: false }, /feature owner/],
    ["start_production", "production_approval", {}, true],
    ["start_production", "staging_soak", {}, /needs Production approval/],
    ["complete", "monitoring", { phaseEnteredAt: 10_000_000 - 15 * 60_000 }, true],
    ["complete", "monitoring", {}, /15 min left/],
    ["abort", "production_rollout", {}, true],
    ["abort", "completed", {}, /cannot be aborted/],
  ])("%s in %s %j", (command, phase, facts, expected) => {
    const r = checkCommand(command as (typeof RELEASE_COMMANDS)[number], { ...base, ...facts, phase });
    if (expected === true) expect(r.ok).toBe(true);
    else expect(!r.ok && r.reason).toMatch(expected as RegExp);
  });

  it("a release follows its rollouts: staging done -> soak; production done -> monitoring, rolled back -> rolled back", () => {
    expect(afterRollout("staging_deploy", { production: false }, "succeeded")).toBe("staging_soak");
    expect(afterRollout("staging_deploy", { production: false }, "rolled_back")).toBeNull();
    expect(afterRollout("production_rollout", { production: true }, "succeeded")).toBe("monitoring");
    expect(afterRollout("production_rollout", { production: true }, "rolled_back")).toBe("rolled_back");
    expect(afterRollout("aborted", { production: true }, "rolled_back")).toBeNull();
  });

  it.each<[string, ReleasePhase, boolean, boolean]>([
    ["deploy_staging", "preflight", true, true],
    ["abort", "staging_soak", true, true],
    ["abort", "production_approval", false, true],
    ["abort", "production_rollout", false, true],
    ["start_production", "production_approval", false, true],
    ["request_approval", "staging_soak", false, true],
  ])("%s in %s: developer %s, captain %s", (command, phase, developer, captain) => {
    expect(mayDrive(command as (typeof RELEASE_COMMANDS)[number], ["developer"], phase)).toBe(developer);
    expect(mayDrive(command as (typeof RELEASE_COMMANDS)[number], ["release_captain"], phase)).toBe(captain);
    expect(mayDrive(command as (typeof RELEASE_COMMANDS)[number], ["viewer"], phase)).toBe(false);
  });
});
