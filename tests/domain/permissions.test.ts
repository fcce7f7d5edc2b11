import { describe, expect, it } from "vitest";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { PERMISSIONS, type Permission, can, rolesGranting } from "@/lib/domain/permissions";
import { ROLES, type Role } from "@/lib/domain/roles";
import { ForbiddenError } from "@/lib/errors";

// The expected policy, written out by hand from REQUIREMENTS A1/A3 (viewer reads only, admin
// manages users and settings, releases are created by captains and developers). One column per
// role, in COLUMNS order: captain sentinel owner oncall security lead feature dev viewer admin.
// Typed as a full Record: a new permission does not compile until its row is written here.
const COLUMNS: Role[] = ["release_captain", "sentinel", "service_owner", "oncall", "security", "eng_lead", "feature_owner", "developer", "viewer", "admin"];
const EXPECTED: Record<Permission, string> = {
  "dashboard.read": "Y Y Y Y Y Y Y Y Y Y",
  "audit.read": "Y Y Y Y Y Y Y Y Y Y",
  "audit.export": "Y Y . Y Y Y . . . Y",
  "user.read": ". . . . . . . . . Y",
  "user.manage": ". . . . . . . . . Y",
  "service.manage": ". . . . . . . . . Y",
  "environment.manage": ". . . . . . . . . Y",
  "release.read": "Y Y Y Y Y Y Y Y Y Y",
  "release.create": "Y . . . . . . Y . .",
  "approval.read": "Y Y Y Y Y Y Y Y Y Y",
  "rollout.read": "Y Y Y Y Y Y Y Y Y Y",
  // Captains drive rollouts; developers may start them (staging only, enforced by the service).
  "rollout.start": "Y . . . . . . Y . .",
  "rollout.control": "Y . . . . . . . . .",
  // On-call rolls back (A1: "watches, rolls back").
  "rollout.abort": "Y . . Y . . . . . .",
  // Captains drive releases; developers only in staging (checked by the lifecycle rules).
  "release.advance": "Y . . . . . . Y . .",
  "preflight.attest": "Y Y Y Y . . Y . . .",
  "approval.decide": ". Y Y . . . Y . . .",
  "security.read": "Y Y Y Y Y Y Y Y Y Y",
  // Runbook 003: only the Security Team sets mode and threat level.
  "security.manage": ". . . . Y . . . . .",
  // Runbook 003's override table (which actions, which environments: lib/domain/policy/overrides.ts).
  "override.create": ". . . Y Y Y . . . .",
  "override.revoke": ". . . Y Y Y . . . .",
  "window.manage": ". Y . . Y . . . . Y",
  "probe.manage": ". . . Y . . . . . Y",
  // Everyone manages their own API tokens (A5); administrators see and revoke everyone's.
  "token.manage": "Y Y Y Y Y Y Y Y Y Y",
  "token.admin": ". . . . . . . . . Y",
  // Incidents (L1): everyone reads; captain, on-call, security and the engineering lead respond.
  "incident.read": "Y Y Y Y Y Y Y Y Y Y",
  "insights.read": "Y Y Y Y Y Y Y Y Y Y",
  "incident.acknowledge": "Y . . Y Y Y . . . .",
  "incident.manage": "Y . . Y Y Y . . . .",
  // Feature flags: everyone reads the served definition; captains (who drive the canary) and admins manage them.
  "flag.read": "Y Y Y Y Y Y Y Y Y Y",
  "flag.manage": "Y . . . . . . . . Y",
  // Chat notifications: the release captain coordinates comms (runbook 004); admins set up channels.
  "notification.manage": "Y . . . . . . . . Y",
};

function allowed(permission: Permission, role: Role): boolean {
  const cells = EXPECTED[permission].split(" ");
  const cell = cells[COLUMNS.indexOf(role)];
  if (cell !== "Y" && cell !== ".") throw new Error(`bad expectation cell for ${permission} / ${role}`);
  return cell === "Y";
}

function actor(roles: Role[]): Actor {
  return { kind: "user", id: 1, email: "someone@example.com", name: "Someone", roles };
}

const rows = (Object.keys(EXPECTED) as Permission[]).flatMap((permission) => COLUMNS.map((role) => ({ permission, role, ok: allowed(permission, role) })));

describe("permission table", () => {
  it("the expectation table covers every permission and every role exactly", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(PERMISSIONS).sort());
    expect([...COLUMNS].sort()).toEqual([...ROLES].sort());
    for (const line of Object.values(EXPECTED)) expect(line.split(" ")).toHaveLength(ROLES.length);
  });

  it.each(rows)("$permission for $role -> $ok", ({ permission, role, ok }) => {
    expect(can([role], permission)).toBe(ok);
    expect(rolesGranting([role], permission)).toEqual(ok ? [role] : []);
    if (ok) expect(() => assertCan(actor([role]), permission)).not.toThrow();
    else {
      expect(() => assertCan(actor([role]), permission)).toThrow(ForbiddenError);
      try {
        assertCan(actor([role]), permission);
      } catch (err) {
        expect(err).toMatchObject({ code: "FORBIDDEN", permission });
        expect((err as Error).message).toContain(permission);
      }
    }
  });

  it.each(Object.keys(EXPECTED) as Permission[])("no roles -> %s refused", (permission) => {
    expect(can([], permission)).toBe(false);
    expect(() => assertCan(actor([]), permission)).toThrow(ForbiddenError);
  });
});

describe("multi-role actors", () => {
  it.each<{ roles: Role[]; permission: Permission; ok: boolean; granting: Role[] }>([
    { roles: ["viewer", "admin"], permission: "user.manage", ok: true, granting: ["admin"] },
    { roles: ["admin", "viewer"], permission: "user.manage", ok: true, granting: ["admin"] },
    { roles: ["release_captain", "sentinel"], permission: "release.create", ok: true, granting: ["release_captain"] },
    { roles: ["release_captain", "sentinel"], permission: "user.manage", ok: false, granting: [] },
    { roles: ["developer", "viewer"], permission: "audit.export", ok: false, granting: [] },
    { roles: ["developer", "oncall"], permission: "audit.export", ok: true, granting: ["oncall"] },
    { roles: ["release_captain", "developer"], permission: "release.create", ok: true, granting: ["release_captain", "developer"] },
    { roles: ["security", "admin"], permission: "audit.export", ok: true, granting: ["security", "admin"] },
    { roles: ["feature_owner", "service_owner"], permission: "release.create", ok: false, granting: [] },
  ])("$roles: $permission -> $ok", ({ roles, permission, ok, granting }) => {
    expect(can(roles, permission)).toBe(ok);
    expect(rolesGranting(roles, permission)).toEqual(granting);
    if (ok) expect(() => assertCan(actor(roles), permission)).not.toThrow();
    else expect(() => assertCan(actor(roles), permission)).toThrow(ForbiddenError);
  });

  it("unknown role strings grant nothing", () => {
    expect(can(["superuser" as Role], "user.manage")).toBe(false);
  });
});
