import "server-only";
import { type OriginVerdict, type RequestFacts } from "@/lib/domain/request-origin";
import { recordOriginRefusal } from "@/lib/services/requests/record-origin-refusal";

/** What a refused request is told: no detail an attacker could use, nothing about the person. */
export const ORIGIN_REFUSED_MESSAGE = "Refused: this request did not come from Flightdeck's own address.";

// next-auth's session cookie, plain or __Secure- (https), possibly chunked (.0, .1, ...).
const SESSION_COOKIE = /(?:^|;)\s*(?:__Secure-)?next-auth\.session-token(?:\.\d+)?=/;

export function hasSessionCookie(cookieHeader: string | null): boolean {
  return cookieHeader !== null && SESSION_COOKIE.test(cookieHeader);
}

/**
 * The scheme the server was reached by. Next derives the request URL's scheme from a client's
 * X-Forwarded-Proto too, so when that header is present the URL says nothing: plain http
 * (`next start` never terminates TLS; a trusted proxy's header is read by the pure check).
 */
export function connectionProtocol(h: Headers, urlProtocol: string): "http" | "https" {
  if (h.has("x-forwarded-proto")) return "http";
  return urlProtocol.replace(/:$/, "") === "https" ? "https" : "http";
}

/** The facts the pure origin check needs, from a request's headers. */
export function requestFacts(h: Headers, method: string, protocol: string): RequestFacts {
  return {
    method,
    origin: h.get("origin"),
    referer: h.get("referer"),
    host: h.get("host"),
    forwardedHost: h.get("x-forwarded-host"),
    forwardedProto: h.get("x-forwarded-proto"),
    protocol,
    hasSession: hasSessionCookie(h.get("cookie")),
  };
}

/** Audits a refusal for the user the session names (best effort: a failure is logged, the refusal stands). */
export function auditOriginRefusal(
  userId: number | null,
  facts: RequestFacts,
  verdict: Extract<OriginVerdict, { ok: false }>,
  where: { path: string; actionId: string | null; refusedBy: "proxy" | "action"; requestId: string; address?: string },
): boolean {
  if (userId === null || !Number.isInteger(userId) || userId <= 0) return false;
  try {
    return recordOriginRefusal({
      userId,
      reason: verdict.reason,
      origin: facts.origin,
      host: facts.host,
      forwardedHost: facts.forwardedHost,
      method: facts.method,
      allowed: verdict.allowed,
      ...where,
    });
  } catch (err) {
    console.error(`[origin] request ${where.requestId}: could not audit the refusal`, err);
    return false;
  }
}
