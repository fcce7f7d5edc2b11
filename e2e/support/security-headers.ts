import { type APIResponse, expect } from "@playwright/test";

// The headers issue 10 puts on every response (proxy.ts, next.config.js), as the e2e specs check them.

function cspDirectives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!.toLowerCase(), values] as const;
      }),
  );
}

/** Asserts the security headers of one response and returns its CSP nonce. */
export function expectSecured(res: APIResponse, what: string): string {
  const h = res.headers();
  const csp = h["content-security-policy"];
  expect(csp, `${what}: Content-Security-Policy`).toBeTruthy();
  const d = cspDirectives(csp!);
  const scripts = d.get("script-src") ?? [];
  const nonce = scripts.find((s) => s.startsWith("'nonce-"))?.slice(7, -1);
  expect(nonce, `${what}: script-src nonce`).toMatch(/^[A-Za-z0-9+/=]{16,}$/);
  expect(scripts, `${what}: script-src`).toContain("'strict-dynamic'");
  expect(scripts, `${what}: no inline scripts`).not.toContain("'unsafe-inline'");
  expect(scripts, `${what}: no eval in production`).not.toContain("'unsafe-eval'");
  expect(d.get("frame-ancestors"), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(d.get("object-src"), `${what}: object-src`).toEqual(["'none'"]);
  expect(d.get("base-uri"), `${what}: base-uri`).toEqual(["'self'"]);
  expect(d.get("form-action"), `${what}: form-action`).toEqual(["'self'"]);
  expect(h["x-frame-options"], `${what}: X-Frame-Options`).toBe("DENY");
  expect(h["x-content-type-options"], `${what}: nosniff`).toBe("nosniff");
  expect(h["referrer-policy"], `${what}: Referrer-Policy`).toBe("same-origin");
  expect(h["permissions-policy"], `${what}: Permissions-Policy`).toContain("camera=()");
  // Served over plain http here: no HSTS (it is sent only over https).
  expect(h["strict-transport-security"], `${what}: no HSTS over http`).toBeUndefined();
  return nonce!;
}

/** Every <script> of an HTML page carries this response's nonce. */
export function expectScriptsNonced(html: string, nonce: string, what: string): void {
  const tags = html.match(/<script\b[^>]*>/g) ?? [];
  expect(tags.length, `${what}: scripts`).toBeGreaterThan(0);
  for (const tag of tags) expect(tag, `${what}: ${tag}`).toContain(`nonce="${nonce}"`);
}
