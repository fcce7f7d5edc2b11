import type { Role } from "./roles";
import { ROLES } from "./roles";

/**
 * The one permission table (REQUIREMENTS A3): `resource.verb` -> roles allowed.
 * Policy (security gate, freezes, separation of duties) is decided elsewhere; this only says
 * whether a role may attempt the verb at all.
 */
const EVERYONE: readonly Role[] = ROLES;

export const PERMISSIONS = {
  "dashboard.read": EVERYONE,
  "audit.read": EVERYONE,
  "audit.export": ["admin", "security", "sentinel", "release_captain", "oncall", "eng_lead"],
  "user.read": ["admin"],
  "user.manage": ["admin"],
  "service.manage": ["admin"],
  "environment.manage": ["admin"],
  "release.read": EVERYONE,
  "release.create": ["release_captain", "developer"],
  "approval.read": EVERYONE,
  "rollout.read": EVERYONE,
  /** Developers only outside production (runbook 003); the rollout service enforces that. */
  "rollout.start": ["release_captain", "developer"],
  "rollout.control": ["release_captain"],
  "rollout.abort": ["release_captain", "oncall"],
  /** Drive a release through its phases; developers only in staging (lib/domain/release/lifecycle.ts). */
  "release.advance": ["release_captain", "developer"],
  /** Sign a pre-flight item; the item names the role that must sign it. */
  "preflight.attest": ["release_captain", "oncall", "feature_owner", "sentinel", "service_owner"],
  "approval.decide": ["sentinel", "service_owner", "feature_owner"],
  "security.read": EVERYONE,
  /** Mode and threat level (runbook 003: Security Team only). */
  "security.manage": ["security"],
  /** Who may create which override is runbook 003's table (lib/domain/policy/overrides.ts). */
  "override.create": ["security", "eng_lead", "oncall"],
  "override.revoke": ["security", "eng_lead", "oncall"],
  "window.manage": ["admin", "sentinel", "security"],
  /** Configure health probes (C3): the people who watch production. */
  "probe.manage": ["admin", "oncall"],
  /** Create, list and revoke one's own API tokens (A5); never granted to a token (lib/domain/token-scopes.ts). */
  "token.manage": EVERYONE,
  /** See and revoke everyone's API tokens. */
  "token.admin": ["admin"],
  /** Incidents (L1): everyone sees them; the people who respond acknowledge and run them. */
  "incident.read": EVERYONE,
  /** Insights (DORA keys, where the time goes) and their CSV exports: everyone. */
  "insights.read": EVERYONE,
  "incident.acknowledge": ["oncall", "release_captain", "security", "eng_lead"],
  "incident.manage": ["oncall", "release_captain", "security", "eng_lead"],
  /** The flagd definition (/api/flags) and the Flags page: every signed-in caller, API tokens with the read scope. */
  "flag.read": EVERYONE,
  /** Create, edit, bind and switch off feature flags (runbook 002: the release captain drives the flag with the canary). */
  "flag.manage": ["release_captain", "admin"],
  /** Chat channels, subscriptions, message templates, test sends and the delivery log (L2; captains own release comms, runbook 004). */
  "notification.manage": ["admin", "release_captain"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** True when any of the roles grants the permission. */
export function can(roles: readonly Role[], permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return roles.some((r) => allowed.includes(r));
}

/** Roles of the actor that grant the permission (recorded in the audit event). */
export function rolesGranting(roles: readonly Role[], permission: Permission): Role[] {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return roles.filter((r) => allowed.includes(r));
}
