import { describe, expect, it } from "vitest";
import { OVERRIDABLE_ACTIONS } from "@/lib/domain/policy/gate";
import {
  MAX_OVERRIDE_TTL_MINUTES,
  OVERRIDE_MESSAGES,
  type OverrideRecord,
  RECOMMENDED_TTL_MINUTES,
  activeOverrideFor,
  isActive,
  lapsedOverrideState,
  mayCreateOverride,
  overrideExpiresAt,
  overrideInputSchema,
} from "@/lib/domain/policy/overrides";
import type { Role } from "@/lib/domain/roles";

const NOW = Date.UTC(2026, 5, 10, 12);
const MIN = 60_000;
const production = { name: "production", production: true };
const staging = { name: "staging", production: false };

describe("mayCreateOverride (runbook 003 'Who Can Create Overrides')", () => {
  type Row = { roles: Role[]; action: string; env: typeof production; ok: boolean; reason?: string };
  const rows: Row[] = [];
  // Security Team: all actions, production + staging.
  for (const action of OVERRIDABLE_ACTIONS) for (const env of [production, staging]) rows.push({ roles: ["security"], action, env, ok: true });
  // Engineering Lead: deploy actions, production + staging; not load shedding.
  for (const env of [production, staging]) {
    for (const action of ["deploy.canary.start", "deploy.promote", "deploy.rollback"]) rows.push({ roles: ["eng_lead"], action, env, ok: true });
    rows.push({ roles: ["eng_lead"], action: "load.shed", env, ok: false, reason: OVERRIDE_MESSAGES.engLeadDeployOnly });
  }
  // On-Call Lead: rollback only, production only.
  rows.push({ roles: ["oncall"], action: "deploy.rollback", env: production, ok: true });
  rows.push({ roles: ["oncall"], action: "deploy.rollback", env: staging, ok: false, reason: OVERRIDE_MESSAGES.oncallProductionRollbackOnly });
  for (const action of ["deploy.canary.start", "deploy.promote", "load.shed"]) {
    rows.push({ roles: ["oncall"], action, env: production, ok: false, reason: OVERRIDE_MESSAGES.oncallProductionRollbackOnly });
  }
  // Developer: none.
  for (const action of OVERRIDABLE_ACTIONS) for (const env of [production, staging]) {
    rows.push({ roles: ["developer"], action, env, ok: false, reason: OVERRIDE_MESSAGES.developer });
  }
  // Everyone else: none.
  for (const role of ["viewer", "admin", "release_captain", "sentinel", "service_owner", "feature_owner"] as Role[]) {
    rows.push({ roles: [role], action: "deploy.canary.start", env: production, ok: false, reason: OVERRIDE_MESSAGES.none });
  }
  rows.push({ roles: [], action: "deploy.rollback", env: production, ok: false, reason: OVERRIDE_MESSAGES.none });
  // Combinations and non-overridable actions.
  rows.push({ roles: ["developer", "oncall"], action: "deploy.rollback", env: production, ok: true });
  rows.push({ roles: ["oncall", "eng_lead"], action: "deploy.rollback", env: staging, ok: true });
  rows.push({ roles: ["security"], action: "health.probe", env: production, ok: false, reason: OVERRIDE_MESSAGES.notOverridable("health.probe") });
  rows.push({ roles: ["security"], action: "deploy.step", env: production, ok: false, reason: OVERRIDE_MESSAGES.notOverridable("deploy.step") });
  rows.push({ roles: ["eng_lead"], action: "deploy.auto_rollback", env: production, ok: false, reason: OVERRIDE_MESSAGES.notOverridable("deploy.auto_rollback") });

  it.each(rows)("$roles / $action / $env.name -> $ok", ({ roles, action, env, ok, reason }) => {
    const r = mayCreateOverride(roles, action, env);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.reason).toBe(reason);
  });
});

describe("overrideInputSchema", () => {
  const valid = { action: "deploy.canary.start", environment: "production", reason: "Approved by CTO for release v1.2.3 (CHG-42)", ttlMinutes: 60 };
  it.each<{ name: string; input: Record<string, unknown>; ok: boolean; field?: string }>([
    { name: "TTL 60", input: valid, ok: true },
    { name: "TTL 1", input: { ...valid, ttlMinutes: 1 }, ok: true },
    { name: "TTL 1440", input: { ...valid, ttlMinutes: MAX_OVERRIDE_TTL_MINUTES }, ok: true },
    { name: "TTL from a form string", input: { ...valid, ttlMinutes: "30" }, ok: true },
    { name: "TTL 0", input: { ...valid, ttlMinutes: 0 }, ok: false, field: "ttlMinutes" },
    { name: "TTL 1441", input: { ...valid, ttlMinutes: 1441 }, ok: false, field: "ttlMinutes" },
    { name: "TTL -5", input: { ...valid, ttlMinutes: -5 }, ok: false, field: "ttlMinutes" },
    { name: "TTL 1.5", input: { ...valid, ttlMinutes: 1.5 }, ok: false, field: "ttlMinutes" },
    { name: "TTL text", input: { ...valid, ttlMinutes: "soon" }, ok: false, field: "ttlMinutes" },
    { name: "short reason", input: { ...valid, reason: "because" }, ok: false, field: "reason" },
    { name: "reason padded with spaces", input: { ...valid, reason: "   short    " }, ok: false, field: "reason" },
    { name: "empty environment", input: { ...valid, environment: "" }, ok: false, field: "environment" },
    { name: "non-overridable action", input: { ...valid, action: "deploy.step" }, ok: false, field: "action" },
    { name: "load.shed", input: { ...valid, action: "load.shed" }, ok: true },
  ])("$name", ({ input, ok, field }) => {
    const r = overrideInputSchema.safeParse(input);
    expect(r.success).toBe(ok);
    if (!r.success && field) expect(r.error.issues.map((i) => i.path[0])).toContain(field);
  });

  it("explains the TTL limits and the reason in words", () => {
    const zero = overrideInputSchema.safeParse({ ...valid, ttlMinutes: 0 });
    const big = overrideInputSchema.safeParse({ ...valid, ttlMinutes: 1441 });
    const reason = overrideInputSchema.safeParse({ ...valid, reason: "x" });
    expect(zero.error?.issues[0]?.message).toMatch(/at least 1 minute/);
    expect(big.error?.issues[0]?.message).toMatch(/1440 minutes/);
    expect(reason.error?.issues[0]?.message).toMatch(/ticket reference/);
  });

  it("trims the reason and coerces the TTL", () => {
    expect(overrideInputSchema.parse({ ...valid, reason: "  INC-123 emergency rollback  ", ttlMinutes: "15" })).toEqual({
      ...valid,
      reason: "INC-123 emergency rollback",
      ttlMinutes: 15,
    });
  });

  it("runbook TTL guidelines", () => {
    expect(RECOMMENDED_TTL_MINUTES).toEqual({ planned: 60, emergencyRollback: 30, criticalHotfix: 15, maintenance: 120 });
    for (const ttl of Object.values(RECOMMENDED_TTL_MINUTES)) expect(overrideInputSchema.safeParse({ ...valid, ttlMinutes: ttl }).success).toBe(true);
  });
});

const ov = (id: number, patch: Partial<OverrideRecord> = {}): OverrideRecord => ({
  id,
  action: "deploy.canary.start",
  environment: "production",
  expiresAt: NOW + 30 * MIN,
  revokedAt: null,
  ...patch,
});

describe("isActive", () => {
  it.each<[string, OverrideRecord, boolean]>([
    ["unexpired", ov(1), true],
    ["expires in 1 ms", ov(1, { expiresAt: NOW + 1 }), true],
    ["expires now", ov(1, { expiresAt: NOW }), false],
    ["expired", ov(1, { expiresAt: NOW - MIN }), false],
    ["revoked", ov(1, { revokedAt: NOW - MIN }), false],
    ["revoked and expired", ov(1, { revokedAt: NOW - 2 * MIN, expiresAt: NOW - MIN }), false],
  ])("%s -> %s", (_n, o, v) => expect(isActive(o, NOW)).toBe(v));

  it("overrideExpiresAt adds the TTL", () => expect(overrideExpiresAt(NOW, 60)).toBe(NOW + 60 * MIN));
});

describe("activeOverrideFor", () => {
  it.each<{ name: string; list: OverrideRecord[]; id: number | undefined }>([
    { name: "none", list: [], id: undefined },
    { name: "matching", list: [ov(1)], id: 1 },
    { name: "wrong environment", list: [ov(1, { environment: "staging" })], id: undefined },
    { name: "wrong action", list: [ov(1, { action: "deploy.rollback" })], id: undefined },
    { name: "expired", list: [ov(1, { expiresAt: NOW - 1 })], id: undefined },
    { name: "revoked", list: [ov(1, { revokedAt: NOW - 1 })], id: undefined },
    { name: "picks the one lasting longest", list: [ov(1), ov(2, { expiresAt: NOW + 90 * MIN }), ov(3, { expiresAt: NOW + 5 * MIN })], id: 2 },
    { name: "skips the lapsed among several", list: [ov(1, { revokedAt: NOW - 1 }), ov(2, { expiresAt: NOW - 1 }), ov(3)], id: 3 },
    { name: "tie -> lowest id", list: [ov(5), ov(4)], id: 4 },
  ])("$name", ({ list, id }) => {
    expect(activeOverrideFor(list, "deploy.canary.start", "production", NOW)?.id).toBe(id);
  });
});

describe("lapsedOverrideState", () => {
  it.each<[string, OverrideRecord[], string]>([
    ["none", [], "none"],
    ["other env only", [ov(1, { environment: "staging" })], "none"],
    ["active", [ov(1)], "active"],
    ["expired", [ov(1, { expiresAt: NOW - MIN })], "expired"],
    ["revoked", [ov(1, { revokedAt: NOW - MIN })], "revoked"],
    ["revoked after it expired counts as expired", [ov(1, { expiresAt: NOW - 2 * MIN, revokedAt: NOW - MIN })], "expired"],
    ["newest lapsed one decides", [ov(1, { revokedAt: NOW - MIN }), ov(2, { expiresAt: NOW - MIN })], "expired"],
    ["an active one wins over lapsed", [ov(1, { expiresAt: NOW - MIN }), ov(2)], "active"],
  ])("%s", (_n, list, state) => expect(lapsedOverrideState(list, "deploy.canary.start", "production", NOW)).toBe(state));
});
