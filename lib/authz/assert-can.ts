import type { Actor } from "@/lib/domain/actor";
import { type Permission, can } from "@/lib/domain/permissions";
import { ForbiddenError } from "@/lib/errors";

/** Throws FORBIDDEN unless one of the actor's (database-loaded) roles grants the permission. */
export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor.roles, permission)) {
    throw new ForbiddenError(`You do not have permission to do this (${permission}).`, permission);
  }
}
