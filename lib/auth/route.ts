import "server-only";
import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/domain/actor";
import { type Permission, can } from "@/lib/domain/permissions";
import { AppError } from "@/lib/errors";
import { recordDenial } from "@/lib/services/authz/record-denial";
import { currentActorState } from "./session";

export function jsonError(status: number, code: string, message: string, extra?: Record<string, unknown>): Response {
  return Response.json({ ok: false, code, message, ...extra }, { status });
}

/**
 * Wraps a route handler: 401 without a session, 403 (audited) without the permission,
 * AppErrors mapped to their status, anything else a 500 with a reference only.
 */
export function withRoute<C>(
  name: string,
  permission: Permission,
  handler: (req: Request, ctx: C & { actor: Actor; requestId: string }) => Response | Promise<Response>,
) {
  return async (req: Request, ctx: C): Promise<Response> => {
    const requestId = randomUUID();
    try {
      const state = await currentActorState();
      if (state.status !== "ok") return jsonError(401, "UNAUTHENTICATED", "Please sign in.");
      if (!can(state.actor.roles, permission)) {
        recordDenial(state.actor, name, permission, requestId);
        return jsonError(403, "FORBIDDEN", `You do not have permission to do this (${permission}).`);
      }
      return await handler(req, { ...ctx, actor: state.actor, requestId });
    } catch (err) {
      if (err instanceof AppError) {
        const status = { NOT_FOUND: 404, INVALID: 400, CONFLICT: 409, FORBIDDEN: 403, UNAUTHENTICATED: 401 }[err.code as string] ?? 422;
        return jsonError(status, err.code, err.message, err.fieldErrors ? { fieldErrors: err.fieldErrors } : undefined);
      }
      console.error(`[route ${name}] request ${requestId} failed`, err);
      return jsonError(500, "INTERNAL", `Something went wrong. Reference: ${requestId}.`);
    }
  };
}
