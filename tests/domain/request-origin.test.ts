import { describe, expect, it } from "vitest";
import {
  type OriginSettings,
  type RequestFacts,
  allowedOrigins,
  checkRequestOrigin,
  normalizeOrigin,
  parseOriginList,
  requestOwnOrigin,
} from "@/lib/domain/request-origin";

const APP = "https://flightdeck.example";

const post = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  method: "POST",
  origin: APP,
  referer: null,
  host: "flightdeck.example",
  forwardedHost: null,
  forwardedProto: null,
  protocol: "https",
  hasSession: true,
  ...over,
});

const configured: OriginSettings = { appOrigin: APP, extraOrigins: [], trustProxy: false };
const devMode: OriginSettings = { appOrigin: null, extraOrigins: [], trustProxy: false };
const devBehindProxy: OriginSettings = { appOrigin: null, extraOrigins: [], trustProxy: true };

// [case, settings, request, accepted?]
const TABLE: [string, OriginSettings, RequestFacts, boolean][] = [
  // NEXTAUTH_URL set: only its origin (and the extra list)
  ["same origin", configured, post(), true],
  ["same origin, explicit default port", configured, post({ origin: "https://flightdeck.example:443" }), true],
  ["same origin, upper case host", configured, post({ origin: "https://FLIGHTDECK.example" }), true],
  ["foreign origin", configured, post({ origin: "https://evil.example" }), false],
  ["foreign origin with forged X-Forwarded-Host (untrusted)", configured, post({ origin: "https://evil.example", forwardedHost: "evil.example" }), false],
  [
    "foreign origin with forged X-Forwarded-Host (proxy trusted: NEXTAUTH_URL still decides)",
    { ...configured, trustProxy: true },
    post({ origin: "https://evil.example", forwardedHost: "evil.example", forwardedProto: "https" }),
    false,
  ],
  ["foreign origin matching a forged Host header", configured, post({ origin: "https://evil.example", host: "evil.example" }), false],
  ["other scheme", configured, post({ origin: "http://flightdeck.example" }), false],
  ["other port", configured, post({ origin: "https://flightdeck.example:8443" }), false],
  ["sub-domain", configured, post({ origin: "https://a.flightdeck.example" }), false],
  ["suffix trick", configured, post({ origin: "https://flightdeck.example.evil.example" }), false],
  ["opaque origin (sandboxed frame)", configured, post({ origin: "null" }), false],
  ["garbage origin", configured, post({ origin: "not a url" }), false],
  ["javascript: origin", configured, post({ origin: "javascript:alert(1)" }), false],
  ["extra allowed origin", { ...configured, extraOrigins: ["https://ops.example"] }, post({ origin: "https://ops.example" }), true],
  ["not in the extra list", { ...configured, extraOrigins: ["https://ops.example"] }, post({ origin: "https://ops2.example" }), false],
  // no Origin header: the Referer, or no session at all
  ["no Origin, same-origin Referer", configured, post({ origin: null, referer: `${APP}/settings/users` }), true],
  ["no Origin, foreign Referer", configured, post({ origin: null, referer: "https://evil.example/x" }), false],
  ["no Origin, unparsable Referer", configured, post({ origin: null, referer: "::::" }), false],
  ["no Origin nor Referer, with a session cookie", configured, post({ origin: null }), false],
  ["no Origin nor Referer, no session cookie (token client)", configured, post({ origin: null, hasSession: false }), true],
  // safe methods are never checked
  ["GET from anywhere", configured, post({ method: "GET", origin: "https://evil.example" }), true],
  ["HEAD from anywhere", configured, post({ method: "HEAD", origin: "https://evil.example" }), true],
  ["OPTIONS", configured, post({ method: "OPTIONS", origin: "https://evil.example" }), true],
  ["PUT is state-changing", configured, post({ method: "PUT", origin: "https://evil.example" }), false],
  ["DELETE is state-changing", configured, post({ method: "delete", origin: "https://evil.example" }), false],
  // NEXTAUTH_URL unset (next dev): the request's own Host
  ["dev: same host", devMode, post({ origin: "http://localhost:3000", host: "localhost:3000", protocol: "http" }), true],
  ["dev: foreign origin", devMode, post({ origin: "http://evil.example", host: "localhost:3000", protocol: "http" }), false],
  [
    "dev: forged X-Forwarded-Host is ignored without FLIGHTDECK_TRUST_PROXY",
    devMode,
    post({ origin: "http://evil.example", host: "localhost:3000", forwardedHost: "evil.example", forwardedProto: "http", protocol: "http" }),
    false,
  ],
  [
    "dev: X-Forwarded-Host is used with FLIGHTDECK_TRUST_PROXY",
    devBehindProxy,
    post({ origin: "https://public.example", host: "127.0.0.1:3000", forwardedHost: "public.example", forwardedProto: "https", protocol: "http" }),
    true,
  ],
  [
    "dev: trusted proxy, the browser's origin must match the forwarded one",
    devBehindProxy,
    post({ origin: "https://evil.example", host: "127.0.0.1:3000", forwardedHost: "public.example", forwardedProto: "https", protocol: "http" }),
    false,
  ],
  [
    "dev: trusted proxy, the first of several forwarded hosts counts",
    devBehindProxy,
    post({ origin: "https://public.example", host: "127.0.0.1:3000", forwardedHost: "public.example, inner.proxy", forwardedProto: "https,http", protocol: "http" }),
    true,
  ],
  [
    "dev: the Host itself is not trusted to say https when the proxy is not",
    devMode,
    post({ origin: "https://localhost:3000", host: "localhost:3000", forwardedProto: "https", protocol: "http" }),
    false,
  ],
  ["dev: no Host at all", devMode, post({ origin: "http://localhost:3000", host: null, protocol: "http" }), false],
  ["dev: Host with a path", devMode, post({ origin: "http://evil.example", host: "evil.example/x", protocol: "http" }), false],
  ["dev: Host with userinfo", devMode, post({ origin: "http://evil.example", host: "localhost@evil.example", protocol: "http" }), false],
];

describe("checkRequestOrigin", () => {
  it.each(TABLE)("%s", (_name, settings, facts, accepted) => {
    expect(checkRequestOrigin(facts, settings).ok).toBe(accepted);
  });

  it("says why and what was expected", () => {
    expect(checkRequestOrigin(post({ origin: "https://evil.example" }), configured)).toEqual({
      ok: false,
      reason: "foreign_origin",
      origin: "https://evil.example",
      allowed: [APP],
    });
    expect(checkRequestOrigin(post({ origin: null }), configured)).toMatchObject({ ok: false, reason: "missing_origin", origin: null });
    expect(checkRequestOrigin(post({ origin: "null" }), configured)).toMatchObject({ ok: false, reason: "opaque_origin" });
  });
});

describe("requestOwnOrigin / allowedOrigins", () => {
  const facts = post({ host: "127.0.0.1:3000", forwardedHost: "evil.example", forwardedProto: "https", protocol: "http" });
  it("ignores X-Forwarded-* unless the proxy is trusted", () => {
    expect(requestOwnOrigin(facts, false)).toBe("http://127.0.0.1:3000");
    expect(requestOwnOrigin(facts, true)).toBe("https://evil.example");
  });
  it("with NEXTAUTH_URL set, the request's host does not widen the list", () => {
    expect(allowedOrigins(facts, { appOrigin: APP, extraOrigins: ["https://ops.example"], trustProxy: true })).toEqual([APP, "https://ops.example"]);
  });
  it("refuses a forwarded proto that is not http(s)", () => {
    expect(requestOwnOrigin(post({ forwardedProto: "javascript" }), true)).toBeNull();
  });
});

describe("normalizeOrigin / parseOriginList", () => {
  it.each([
    ["https://Example.COM:443/", "https://example.com"],
    ["http://example.com:80", "http://example.com"],
    ["http://localhost:3000/path?q", "http://localhost:3000"],
    ["ftp://example.com", null],
    ["https://user@example.com", null],
    ["example.com", null],
    ["", null],
  ])("%s -> %s", (raw, expected) => {
    expect(normalizeOrigin(raw)).toBe(expected);
  });

  it("parses the comma-separated setting and reports bad entries", () => {
    expect(parseOriginList(" https://a.example , http://b.example:8080/ ,,")).toEqual({ origins: ["https://a.example", "http://b.example:8080"], invalid: [] });
    expect(parseOriginList("https://a.example/path,a.example,*.example").invalid).toEqual(["https://a.example/path", "a.example", "*.example"]);
    expect(parseOriginList(undefined)).toEqual({ origins: [], invalid: [] });
  });
});
