import "server-only";
import { randomUUID } from "node:crypto";
import { getServerSession } from "next-auth";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import type { Actor } from "@/lib/domain/actor";
import { type Permission, can } from "@/lib/domain/permissions";
import { auditRefusal } from "@/lib/services/authz/audit-refusal";
import { recordDenial } from "@/lib/services/authz/record-denial";
import { type ActorState, loadActor } from "./load-actor";
import { authOptions } from "./options";

/** The signed-in person for this request, roles fresh from the database (memoized per request). */
export const currentActorState = cache(async (): Promise<ActorState> => {
  const session = await getServerSession(authOptions());
  const id = Number(session?.userId);
  if (!Number.isInteger(id) || id <= 0) return { status: "none" };
  const state = loadActor(id);
  if (state.status === "ok") state.actor.signedInAt = Number(session?.authTime) || 0;
  return state;
});

export async function currentActor(): Promise<Actor | null> {
  const state = await currentActorState();
  return state.status === "ok" ? state.actor : null;
}

/** For pages: the actor, or a redirect to sign-in (with a reason when the account was disabled). */
export async function requireActor(): Promise<Actor> {
  const state = await currentActorState();
  if (state.status === "ok") return state.actor;
  if (state.status === "disabled") {
    // A disabled account still holding a session is refused and audited (issue 10), under the refusal cap.
    auditRefusal({ actor: state.account, attempted: "page", code: "UNAUTHENTICATED", message: "Your account is disabled.", requestId: randomUUID() });
    redirect("/sign-in?error=AccountDisabled");
  }
  redirect("/sign-in");
}

/**
 * For pages guarded by a permission: the actor, when they may see it. A refusal is recorded as an
 * `authz.denied` audit event, like a refused action, and answers HTTP 403 through forbidden()
 * (the nearest forbidden.tsx renders the message). `allowed` is always true when this returns.
 */
export async function authorizePage(permission: Permission, page: string): Promise<{ actor: Actor; allowed: boolean }> {
  const actor = await requireActor();
  if (!can(actor.roles, permission)) {
    recordDenial(actor, `page:${page}`, permission, randomUUID());
    forbidden();
  }
  return { actor, allowed: true };
}
