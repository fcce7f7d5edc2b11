import "server-only";
import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/domain/actor";
import { fieldNames } from "@/lib/domain/input-summary";
import { API_UNAUTHENTICATED_MESSAGE, authorize } from "@/lib/domain/authorize";
import type { Permission } from "@/lib/domain/permissions";
import { AppError, BlockedError, type ErrorCode } from "@/lib/errors";
import { auditRouteRefusal } from "@/lib/services/authz/audit-refusal";
import { clientAddress } from "./client-address";
import { authenticateRequest, noteTokenUse } from "./authenticate-request";

export function jsonError(status: number, code: string, message: string, extra?: Record<string, unknown>): Response {
  return Response.json({ ok: false, code, message, ...extra }, { status });
}

/**
 * The HTTP status of each AppError code. PRECONDITION_FAILED from a service is a state the
 * resource is in ("this release is over"): 409; 412 is kept for a failed If-Match (lib/api/etag.ts).
 */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID: 400,
  CONFLICT: 409,
  PRECONDITION_FAILED: 409,
  BLOCKED: 403,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** The query parameter names of a request (for the audit of a refusal; never their values). */
function queryNames(req: Request): string[] {
  try {
    return fieldNames(Object.fromEntries(new URL(req.url).searchParams));
  } catch {
    return [];
  }
}

/**
 * Wraps a route handler: the caller authenticated by an API token or the session cookie
 * (authenticateRequest), 401 without either, 403 without the permission (for a token: its
 * owner's current roles AND its scopes; never approvals), AppErrors mapped to their status,
 * anything else a 500 with a reference only. Every refusal (any 4xx, also one a handler answers
 * itself) is audited through auditRefusal, unless a service audited it already; a token caller's
 * events carry its id (recordAudit). A handler acting on one environment calls
 * assertTokenEnvironment (lib/authz/assert-can.ts) with it before the service.
 */
export function withRoute<C>(
  name: string,
  permission: Permission,
  handler: (req: Request, ctx: C & { actor: Actor; requestId: string }) => Response | Promise<Response>,
) {
  return async (req: Request, ctx: C): Promise<Response> => {
    const requestId = randomUUID();
    return withRequestId(await answer(req, ctx, requestId), requestId);
  };

  async function answer(req: Request, ctx: C, requestId: string): Promise<Response> {
    const address = clientAddress(req.headers);
    let actor: Actor | null = null;
    let reason: string | undefined;
    const audited = (res: Response, already = false) => (already ? res : auditRouteRefusal(res, { actor, attempted: name, requestId, address, permission, fields: queryNames(req), reason }));
    try {
      const auth = await authenticateRequest(req);
      if (auth.status === "disabled") {
        // The browser's own session: its holder may learn why.
        actor = auth.account;
        return await audited(jsonError(401, "UNAUTHENTICATED", "Your account is disabled."));
      }
      if (auth.status !== "ok") {
        // One answer for every way of not being authenticated; the audit event keeps the reason.
        actor = auth.status === "token_refused" ? auth.account : null;
        reason = auth.status === "token_refused" ? `api_token_${auth.reason}` : undefined;
        return await audited(jsonError(401, "UNAUTHENTICATED", API_UNAUTHENTICATED_MESSAGE));
      }
      actor = auth.actor;
      const verdict = authorize(auth.actor, permission);
      if (!verdict.ok) return await audited(jsonError(403, "FORBIDDEN", verdict.message));
      const res = await handler(req, { ...ctx, actor: auth.actor, requestId });
      // Last use is noted for calls that went through: a refused call writes nothing but its audit event.
      if (auth.token && res.status < 400) noteTokenUse(auth.token, address);
      return await audited(res);
    } catch (err) {
      if (err instanceof AppError) {
        const status = ERROR_STATUS[err.code];
        const extra: Record<string, unknown> = {};
        if (err.fieldErrors) extra.fieldErrors = err.fieldErrors;
        // A policy block's reasons (and what would lift it) go out verbatim: they are shown to people.
        if (err.reasons) extra.reasons = err.reasons;
        if (err instanceof BlockedError) extra.requires = err.requires;
        return await audited(jsonError(status, err.code, err.message, extra), err.audited);
      }
      console.error(`[route ${name}] request ${requestId} failed`, err);
      return jsonError(500, "INTERNAL", `Something went wrong. Reference: ${requestId}.`);
    }
  }
}

/** Every answer names its request (`X-Request-Id`), the id its audit events and server log lines carry. */
function withRequestId(res: Response, requestId: string): Response {
  try {
    res.headers.set("x-request-id", requestId);
    return res;
  } catch {
    // Immutable headers (a proxied fetch response): answer a copy.
    const copy = new Response(res.body, res);
    copy.headers.set("x-request-id", requestId);
    return copy;
  }
}
