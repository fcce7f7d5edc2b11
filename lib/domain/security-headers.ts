/**
 * Response security headers (issue 10). The per-request ones (CSP with its nonce, HSTS) are set by
 * proxy.ts; the static ones are listed here too so a response proxy.ts writes itself (a 403)
 * carries them, and next.config.js sets the same list on everything else.
 */

/**
 * The Content-Security-Policy for one response. Scripts run only with this request's nonce (Next
 * stamps it on its own scripts) or when loaded by such a script ('strict-dynamic'); no inline
 * script without it. Styles keep 'unsafe-inline': charts and progress bars set style attributes,
 * and a nonce in style-src would make browsers ignore 'unsafe-inline'.
 */
export function contentSecurityPolicy(opts: { nonce: string; dev: boolean; https: boolean }): string {
  const directives = [
    "default-src 'self'",
    // React's dev build evaluates code for its error overlays; never in production.
    `script-src 'self' 'nonce-${opts.nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** Headers every response carries, whatever produced it. */
export const STATIC_SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  // Old browsers' frame-ancestors: the approval screen must never be framed (clickjacking).
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Release ids and audit filters in URLs stay inside Flightdeck.
  { key: "Referrer-Policy", value: "same-origin" },
  {
    key: "Permissions-Policy",
    value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), midi=(), accelerometer=(), gyroscope=(), magnetometer=(), display-capture=(), fullscreen=(self)",
  },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
];

/** HSTS, sent only over https (browsers ignore it over http, and it must not pin a plain-http install). */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000";

/**
 * Whether the browser reached Flightdeck over https: NEXTAUTH_URL says so, a trusted proxy says
 * so (X-Forwarded-Proto), or the connection itself is TLS. An untrusted X-Forwarded-Proto counts for nothing.
 */
export function servedOverHttps(s: { appOrigin: string | null; trustProxy: boolean; forwardedProto: string | null; protocol: string }): boolean {
  if (s.appOrigin?.startsWith("https:")) return true;
  if (s.trustProxy && s.forwardedProto?.split(",")[0]?.trim().toLowerCase() === "https") return true;
  return s.protocol === "https";
}

/** A fresh, unguessable nonce (128 bits, base64). */
export function newNonce(random: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(16));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
