import type { NextConfig } from "next";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { STATIC_SECURITY_HEADERS, contentSecurityPolicy, newNonce, servedOverHttps } from "@/lib/domain/security-headers";

// Plain JS without types: loaded by URL and typed here.
const nextConfig = ((await import(pathToFileURL(path.resolve(import.meta.dirname, "../../next.config.js")).href)) as { default: NextConfig }).default;

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe("contentSecurityPolicy", () => {
  const prod = directives(contentSecurityPolicy({ nonce: "abc123==", dev: false, https: false }));

  it("allows scripts only by this response's nonce, strict-dynamic, never unsafe-inline or (in production) unsafe-eval", () => {
    expect(prod.get("script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(directives(contentSecurityPolicy({ nonce: "n", dev: true, https: false })).get("script-src")).toContain("'unsafe-eval'");
  });

  it("forbids framing, plugins, foreign bases and foreign form targets", () => {
    expect(prod.get("frame-ancestors")).toEqual(["'none'"]);
    expect(prod.get("object-src")).toEqual(["'none'"]);
    expect(prod.get("base-uri")).toEqual(["'self'"]);
    expect(prod.get("form-action")).toEqual(["'self'"]);
    expect(prod.get("default-src")).toEqual(["'self'"]);
  });

  it("keeps inline styles (charts) without a nonce, which would disable 'unsafe-inline'", () => {
    expect(prod.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it("upgrades insecure requests only over https", () => {
    expect(prod.has("upgrade-insecure-requests")).toBe(false);
    expect(directives(contentSecurityPolicy({ nonce: "n", dev: false, https: true })).has("upgrade-insecure-requests")).toBe(true);
  });
});

describe("servedOverHttps (HSTS only then)", () => {
  const plain = { appOrigin: "http://localhost:3000", trustProxy: false, forwardedProto: null, protocol: "http" };
  it.each([
    ["plain http", plain, false],
    ["NEXTAUTH_URL is https", { ...plain, appOrigin: "https://fd.example" }, true],
    ["TLS connection", { ...plain, protocol: "https" }, true],
    ["untrusted X-Forwarded-Proto https", { ...plain, forwardedProto: "https" }, false],
    ["trusted proxy says https", { ...plain, trustProxy: true, forwardedProto: "https" }, true],
    ["trusted proxy, first hop https", { ...plain, trustProxy: true, forwardedProto: "HTTPS, http" }, true],
    ["trusted proxy says http", { ...plain, trustProxy: true, forwardedProto: "http" }, false],
    ["next dev without NEXTAUTH_URL", { ...plain, appOrigin: null }, false],
  ])("%s -> %s", (_name, s, expected) => {
    expect(servedOverHttps(s)).toBe(expected);
  });
});

describe("newNonce", () => {
  it("is 128 random bits in base64, different every time", () => {
    const seen = new Set(Array.from({ length: 50 }, () => newNonce((b) => crypto.getRandomValues(b))));
    expect(seen.size).toBe(50);
    for (const n of seen) expect(n).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe("next.config.js", () => {
  it("sets the same static headers on every path as proxy.ts does on its own responses", async () => {
    const rules = await nextConfig.headers!();
    expect(rules).toEqual([{ source: "/:path*", headers: [...STATIC_SECURITY_HEADERS] }]);
  });

  it("turns on authInterrupts (forbidden() answers 403)", () => {
    expect(nextConfig.experimental?.authInterrupts).toBe(true);
  });
});
