/**
 * Which origins may change state (issue 10, cross-site requests). Pure: proxy.ts and the
 * server-action wrapper read the headers and settings, this decides.
 */

/** Methods that never change state in Flightdeck; everything else must come from an allowed origin. */
export const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"] as const;

export interface OriginSettings {
  /** The origin of NEXTAUTH_URL; null when unset (`next dev`): then the request's own host counts. */
  appOrigin: string | null;
  /** Further origins allowed to send state changes (FLIGHTDECK_ALLOWED_ORIGINS). */
  extraOrigins: readonly string[];
  /** FLIGHTDECK_TRUST_PROXY: a proxy in front overwrites X-Forwarded-Host / X-Forwarded-Proto. */
  trustProxy: boolean;
}

export interface RequestFacts {
  method: string;
  /** The Origin header, as sent (null when absent). */
  origin: string | null;
  referer: string | null;
  host: string | null;
  forwardedHost: string | null;
  forwardedProto: string | null;
  /** The scheme the server itself was reached by ("http" or "https"). */
  protocol: string;
  /** Whether the request carries a session cookie (the credential a forged request would abuse). */
  hasSession: boolean;
}

export const ORIGIN_REFUSALS = ["foreign_origin", "opaque_origin", "missing_origin"] as const;
export type OriginRefusal = (typeof ORIGIN_REFUSALS)[number];

export type OriginVerdict =
  | { ok: true }
  | { ok: false; reason: OriginRefusal; origin: string | null; allowed: string[] };

/** "HTTPS://Example.COM:443/path" -> "https://example.com"; null for anything that is not an http(s) origin. */
export function normalizeOrigin(value: string | null | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  return url.origin;
}

/** Parses a comma-separated list of origins; entries that are not http(s) origins are returned as invalid. */
export function parseOriginList(raw: string | undefined): { origins: string[]; invalid: string[] } {
  const origins: string[] = [];
  const invalid: string[] = [];
  for (const entry of (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const origin = normalizeOrigin(entry);
    // Only a bare origin is accepted: a path would suggest a finer check than the one made.
    if (origin && entry.replace(/\/$/, "").toLowerCase() === origin.toLowerCase()) origins.push(origin);
    else invalid.push(entry);
  }
  return { origins, invalid };
}

/** A Host header value: name or [IPv6], optional port. */
const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function firstValue(header: string | null): string | null {
  const first = header?.split(",")[0]?.trim();
  return first ? first : null;
}

/**
 * The origin this request was addressed to: Host and the connection's scheme, or the forwarded
 * ones when a trusted proxy sets them. Untrusted X-Forwarded-* are ignored: anyone can send them.
 */
export function requestOwnOrigin(facts: RequestFacts, trustProxy: boolean): string | null {
  const host = (trustProxy ? firstValue(facts.forwardedHost) : null) ?? facts.host;
  const proto = (trustProxy ? firstValue(facts.forwardedProto) : null) ?? facts.protocol;
  const scheme = proto.replace(/:$/, "").toLowerCase();
  // A "host" with a path, userinfo or spaces is not a host: refuse it rather than let URL rewrite it.
  if (!host || !HOST.test(host) || (scheme !== "http" && scheme !== "https")) return null;
  return normalizeOrigin(`${scheme}://${host}`);
}

/** The origins allowed to change state for this request. */
export function allowedOrigins(facts: RequestFacts, settings: OriginSettings): string[] {
  const own = settings.appOrigin ?? requestOwnOrigin(facts, settings.trustProxy);
  return [...new Set([...(own ? [own] : []), ...settings.extraOrigins])];
}

/** Whether `method` may change state. */
export function isStateChanging(method: string): boolean {
  return !(SAFE_METHODS as readonly string[]).includes(method.toUpperCase());
}

/**
 * Accepts a state-changing request only from an allowed origin. The Origin header decides; without
 * one, the Referer's origin; without either, only a request carrying no session cookie passes
 * (nothing ambient to abuse, e.g. a token client). `Origin: null` (sandboxed frames) is refused.
 */
export function checkRequestOrigin(facts: RequestFacts, settings: OriginSettings): OriginVerdict {
  if (!isStateChanging(facts.method)) return { ok: true };
  const allowed = allowedOrigins(facts, settings);
  const claimed = facts.origin ?? (facts.referer ? normalizeOrigin(facts.referer) ?? "null" : null);
  if (claimed === null) return facts.hasSession ? { ok: false, reason: "missing_origin", origin: null, allowed } : { ok: true };
  if (claimed === "null") return { ok: false, reason: "opaque_origin", origin: claimed, allowed };
  const origin = normalizeOrigin(claimed);
  if (origin && allowed.includes(origin)) return { ok: true };
  return { ok: false, reason: origin ? "foreign_origin" : "opaque_origin", origin: claimed, allowed };
}
