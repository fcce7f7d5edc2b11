import { getToken } from "next-auth/jwt";
import { type NextRequest, NextResponse } from "next/server";
import { randomUUID } from "node:crypto";
import { clientAddress } from "@/lib/auth/client-address";
import { auditOriginRefusal, connectionProtocol, ORIGIN_REFUSED_MESSAGE, requestFacts } from "@/lib/auth/request-facts";
import { checkRequestOrigin } from "@/lib/domain/request-origin";
import { STATIC_SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY, contentSecurityPolicy, newNonce, servedOverHttps } from "@/lib/domain/security-headers";
import { env, originSettings } from "@/lib/env";

/**
 * The doors (issue 10), on every request (no matcher: pages, API routes, server actions, static
 * files). 1. A state-changing request (a server action is a POST with Next-Action) from an origin
 * other than NEXTAUTH_URL's or FLIGHTDECK_ALLOWED_ORIGINS gets a plain 403, audited when its
 * session cookie names a known user. 2. Every response gets a CSP with a fresh nonce, which Next
 * reads from the request's CSP header and puts on its own scripts, plus the static headers.
 * Authorization is never decided here: actions and routes check permissions themselves (A3).
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const settings = originSettings();
  const protocol = connectionProtocol(request.headers, request.nextUrl.protocol);
  const facts = requestFacts(request.headers, request.method, protocol);
  const https = servedOverHttps({ ...settings, forwardedProto: facts.forwardedProto, protocol: facts.protocol });

  const verdict = checkRequestOrigin(facts, settings);
  if (!verdict.ok) {
    const requestId = randomUUID();
    const actionId = request.headers.get("next-action");
    const userId = facts.hasSession ? await sessionUserId(request) : null;
    const audited = auditOriginRefusal(userId, facts, verdict, {
      path: request.nextUrl.pathname,
      actionId,
      refusedBy: "proxy",
      requestId,
      address: clientAddress(request.headers),
    });
    console.warn(
      `[origin] ${request.method} ${request.nextUrl.pathname.slice(0, 200)} refused (${verdict.reason}, origin ${String(facts.origin).slice(0, 100)})${audited ? " and audited" : ""}, request ${requestId}`,
    );
    const hint = "Open Flightdeck at its configured address (NEXTAUTH_URL), or have this origin added to FLIGHTDECK_ALLOWED_ORIGINS.";
    const res = new NextResponse(`${ORIGIN_REFUSED_MESSAGE}\n${hint}\nReference: ${requestId}\n`, {
      status: 403,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
    return secure(res, contentSecurityPolicy({ nonce: newNonce(fill), dev: isDev(), https }), https);
  }

  const nonce = newNonce(fill);
  const csp = contentSecurityPolicy({ nonce, dev: isDev(), https });
  const forwarded = new Headers(request.headers);
  // Next renders with this header's nonce on its scripts (CSP guide); x-nonce for our own use.
  forwarded.set("content-security-policy", csp);
  forwarded.set("x-nonce", nonce);
  forwarded.set("x-flightdeck-path", request.nextUrl.pathname.slice(0, 500));
  if (!settings.trustProxy) {
    // Nobody vouches for a client's X-Forwarded-*: Next's own server-action check compares the
    // Origin with X-Forwarded-Host, so give it the real Host instead.
    if (facts.host) forwarded.set("x-forwarded-host", facts.host);
    forwarded.set("x-forwarded-proto", protocol);
  }
  return secure(NextResponse.next({ request: { headers: forwarded } }), csp, https);
}

function secure(res: NextResponse, csp: string, https: boolean): NextResponse {
  res.headers.set("Content-Security-Policy", csp);
  for (const { key, value } of STATIC_SECURITY_HEADERS) res.headers.set(key, value);
  if (https) res.headers.set("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
  return res;
}

function isDev(): boolean {
  return process.env.NODE_ENV === "development";
}

function fill(bytes: Uint8Array): Uint8Array {
  return crypto.getRandomValues(bytes);
}

/** The user id a valid session cookie names (signature and expiry checked by next-auth), or null. */
async function sessionUserId(request: NextRequest): Promise<number | null> {
  try {
    const token = await getToken({ req: request, secret: env().NEXTAUTH_SECRET });
    const id = Number(token?.sub);
    return Number.isInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}
