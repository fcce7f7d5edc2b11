import type { Actor } from "@/lib/domain/actor";
import { authorize, tokenEnvironmentVerdict } from "@/lib/domain/authorize";
import type { Permission } from "@/lib/domain/permissions";
import { ForbiddenError } from "@/lib/errors";

/**
 * Throws FORBIDDEN unless one of the actor's (database-loaded) roles grants the permission and,
 * for an API token caller, its scopes include it (never for approvals: those need a person).
 */
export function assertCan(actor: Actor, permission: Permission): void {
  const verdict = authorize(actor, permission);
  if (!verdict.ok) throw new ForbiddenError(verdict.message, permission);
}

/**
 * Throws FORBIDDEN when an API token limited to another environment acts on `environment`.
 * Route handlers call it with the environment a request acts on, before the service runs;
 * recordAudit refuses the same as a backstop (every environment's state change is audited with it).
 */
export function assertTokenEnvironment(actor: Actor, environment: string | null | undefined, permission?: Permission): void {
  const verdict = tokenEnvironmentVerdict(actor, environment);
  if (!verdict.ok) throw new ForbiddenError(verdict.message, permission ?? "token.environment");
}
