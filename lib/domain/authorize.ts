import type { Actor, AnyActor } from "./actor";
import { type Permission, can } from "./permissions";
import { HUMAN_ONLY_PERMISSIONS, scopesGrant } from "./token-scopes";

/** What a token caller is told when it attempts what only a person may do (D1-D5). */
export const APPROVALS_NEED_A_PERSON =
  "Approvals need a person: sign in to Flightdeck and re-enter your password; API tokens cannot approve.";

/**
 * The one 401 message of the API: missing, malformed, bad checksum, unknown, expired, revoked, or
 * its account disabled all read the same, so a caller learns nothing about which (the audit event
 * records the reason).
 */
export const API_UNAUTHENTICATED_MESSAGE = "Authentication required: sign in, or send a valid API token as Authorization: Bearer <token>.";

export type AuthzVerdict = { ok: true } | { ok: false; reason: "role" | "scope" | "person" | "environment"; message: string };

/**
 * May this actor attempt `permission`? A browser session: its current roles. An API token: the
 * intersection of its owner's current roles and its scopes, and never a verb that needs a person.
 */
export function authorize(actor: Actor, permission: Permission): AuthzVerdict {
  const token = actor.via?.kind === "token" ? actor.via : undefined;
  if (token && HUMAN_ONLY_PERMISSIONS.includes(permission)) return { ok: false, reason: "person", message: APPROVALS_NEED_A_PERSON };
  if (!can(actor.roles, permission)) return { ok: false, reason: "role", message: `You do not have permission to do this (${permission}).` };
  if (token && !scopesGrant(token.scopes, permission)) {
    return { ok: false, reason: "scope", message: `This API token's scopes do not allow this (${permission}).` };
  }
  return { ok: true };
}

/** `authorize` as a boolean, for showing or hiding controls. */
export function actorCan(actor: Actor, permission: Permission): boolean {
  return authorize(actor, permission).ok;
}

/**
 * A token limited to one environment may act on that environment only (a staging token cannot
 * touch production). Anything acting on no particular environment (`environment` null) is left
 * to the scopes; people in the browser are never limited here.
 */
export function tokenEnvironmentVerdict(actor: AnyActor, environment: string | null | undefined): AuthzVerdict {
  if (actor.kind !== "user" || actor.via?.kind !== "token") return { ok: true };
  const limit = actor.via.environment;
  if (limit === null || environment === null || environment === undefined || environment === limit) return { ok: true };
  return { ok: false, reason: "environment", message: `This API token is limited to the ${limit} environment; it cannot act on ${environment}.` };
}
