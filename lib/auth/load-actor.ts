import "server-only";
import { getDb } from "@/db/client";
import { findUserById, rolesOfUser } from "@/db/queries/users";
import type { Actor } from "@/lib/domain/actor";
import { ROLES, type Role } from "@/lib/domain/roles";
import { demoMode } from "@/lib/env";

/** `account` of a disabled state names who tried (for the audit of the refusal) and holds no roles. */
export type ActorState = { status: "ok"; actor: Actor } | { status: "disabled"; account: Actor } | { status: "none" };

/** Loads the person and their roles from the database, now: a revoked role or a disabled account counts at once. */
export function loadActor(userId: number): ActorState {
  const db = getDb();
  const user = findUserById(db, userId);
  if (!user) return { status: "none" };
  if (user.disabled || (user.demo && !demoMode())) return { status: "disabled", account: { kind: "user", id: user.id, email: user.email, name: user.name, roles: [] } };
  const roles = rolesOfUser(db, user.id).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return { status: "ok", actor: { kind: "user", id: user.id, email: user.email, name: user.name, roles } };
}
