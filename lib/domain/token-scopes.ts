import { z } from "zod";
import { PERMISSIONS, type Permission, can } from "./permissions";
import type { Role } from "./roles";

/**
 * API token scopes (REQUIREMENTS A5): the permission table's verbs grouped the way people ask for
 * them. A token grants a verb only when one of its scopes lists it AND the owner's current roles
 * grant it (lib/domain/authorize.ts), so a scope never lifts anyone above their roles.
 *
 * Never grantable to a token: approvals and pre-flight attestations (a person who re-entered their
 * password, D1-D5: HUMAN_ONLY_PERMISSIONS), users, services, environments, windows, probes (admin
 * and calendar work stays in the browser) and tokens themselves (a token cannot mint tokens).
 */
export const TOKEN_SCOPES = ["read", "deploy", "control", "rollback", "security", "audit"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const tokenScopeSchema = z.enum(TOKEN_SCOPES);

const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

/** What each scope lets a token attempt. `read` is every `*.read` verb of the table, whatever is added later. */
export const SCOPE_PERMISSIONS: Record<TokenScope, readonly Permission[]> = {
  read: ALL_PERMISSIONS.filter((p) => p.endsWith(".read")),
  deploy: ["release.create", "release.advance", "rollout.start"],
  control: ["rollout.control"],
  rollback: ["rollout.abort"],
  security: ["security.manage", "override.create", "override.revoke"],
  audit: ["audit.export"],
};

export const SCOPE_LABELS: Record<TokenScope, string> = {
  read: "Read",
  deploy: "Deploy",
  control: "Control rollouts",
  rollback: "Roll back",
  security: "Security gate",
  audit: "Audit export",
};

export const SCOPE_DESCRIPTIONS: Record<TokenScope, string> = {
  read: "Read releases, rollouts, approvals, security state and the audit trail.",
  deploy: "Create releases, drive them through their phases, start rollouts.",
  control: "Pause, resume, promote and retry running rollouts.",
  rollback: "Abort rollouts and roll back.",
  security: "Set the security gate's mode and threat level; create and revoke overrides.",
  audit: "Export the audit trail.",
};

/** Verbs that need a person in the browser (D1-D5: approvers re-enter their password); no token ever gets them. */
export const HUMAN_ONLY_PERMISSIONS: readonly Permission[] = ["approval.decide", "preflight.attest"];

/** Whether one of the scopes lists the permission (the owner's roles are checked separately). */
export function scopesGrant(scopes: readonly TokenScope[], permission: Permission): boolean {
  if (HUMAN_ONLY_PERMISSIONS.includes(permission)) return false;
  return scopes.some((s) => SCOPE_PERMISSIONS[s].includes(permission));
}

/** Scopes worth offering to someone with these roles: those of which their roles grant at least one verb. */
export function scopesOffered(roles: readonly Role[]): TokenScope[] {
  return TOKEN_SCOPES.filter((s) => SCOPE_PERMISSIONS[s].some((p) => can(roles, p)));
}

/** Stored scope names as scopes; anything unknown is dropped (fails closed). */
export function parseScopes(value: unknown): TokenScope[] {
  if (!Array.isArray(value)) return [];
  return TOKEN_SCOPES.filter((s) => value.includes(s));
}
