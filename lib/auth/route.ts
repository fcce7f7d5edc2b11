import "server-only";
import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/domain/actor";
import { fieldNames } from "@/lib/domain/input-summary";
import { type Permission, can } from "@/lib/domain/permissions";
import { AppError } from "@/lib/errors";
import { auditRouteRefusal } from "@/lib/services/authz/audit-refusal";
import { clientAddress } from "./client-address";
import { currentActorState } from "./session";

export function jsonError(status: number, code: string, message: string, extra?: Record<string, unknown>): Response {
  return Response.json({ ok: false, code, message, ...extra }, { status });
}

/** The query parameter names of a request (for the audit of a refusal; never their values). */
function queryNames(req: Request): string[] {
  try {
    return fieldNames(Object.fromEntries(new URL(req.url).searchParams));
  } catch {
    return [];
  }
}

/**
 * Wraps a route handler: 401 without a session, 403 without the permission, AppErrors mapped to
 * their status, anything else a 500 with a reference only. Every refusal (any 4xx, also one a
 * handler answers itself) is audited through auditRefusal, unless a service audited it already.
 */
export function withRoute<C>(
  name: string,
  permission: Permission,
  handler: (req: Request, ctx: C & { actor: Actor; requestId: string }) => Response | Promise<Response>,
) {
  return async (req: Request, ctx: C): Promise<Response> => {
    const requestId = randomUUID();
    let actor: Actor | null = null;
    const audited = (res: Response, already = false) => (already ? res : auditRouteRefusal(res, { actor, attempted: name, requestId, address: clientAddress(req.headers), permission, fields: queryNames(req) }));
    try {
      const state = await currentActorState();
      if (state.status !== "ok") {
        actor = state.status === "disabled" ? state.account : null;
        return await audited(jsonError(401, "UNAUTHENTICATED", state.status === "disabled" ? "Your account is disabled." : "Please sign in."));
      }
      actor = state.actor;
      if (!can(state.actor.roles, permission)) {
        return await audited(jsonError(403, "FORBIDDEN", `You do not have permission to do this (${permission}).`));
      }
      return await audited(await handler(req, { ...ctx, actor: state.actor, requestId }));
    } catch (err) {
      if (err instanceof AppError) {
        const status = { NOT_FOUND: 404, INVALID: 400, CONFLICT: 409, FORBIDDEN: 403, UNAUTHENTICATED: 401 }[err.code as string] ?? 422;
        return await audited(jsonError(status, err.code, err.message, err.fieldErrors ? { fieldErrors: err.fieldErrors } : undefined), err.audited);
      }
      console.error(`[route ${name}] request ${requestId} failed`, err);
      return jsonError(500, "INTERNAL", `Something went wrong. Reference: ${requestId}.`);
    }
  };
}
