// @ts-check

// Headers every response carries (issue 10); proxy.ts adds the per-request CSP (with its nonce)
// and HSTS. Keep in step with STATIC_SECURITY_HEADERS in lib/domain/security-headers.ts
// (tests/domain/security-headers.test.ts compares them).
const securityHeaders = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  {
    key: "Permissions-Policy",
    value:
      "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), midi=(), accelerometer=(), gyroscope=(), magnetometer=(), display-capture=(), fullscreen=(self)",
  },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
];

/**
 * Hosts Next's own server-action check accepts besides the request's Host: NEXTAUTH_URL's and
 * FLIGHTDECK_ALLOWED_ORIGINS'. Read when `next start` loads this file; proxy.ts makes the real
 * decision (scheme and port included) before Next's check runs.
 */
function actionHosts() {
  const hosts = new Set();
  for (const raw of [process.env.NEXTAUTH_URL ?? "", ...(process.env.FLIGHTDECK_ALLOWED_ORIGINS ?? "").split(",")]) {
    try {
      if (raw.trim()) hosts.add(new URL(raw.trim()).host);
    } catch {
      // lib/env.ts rejects a malformed list loudly at first use
    }
  }
  return [...hosts];
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native module: load it from node_modules at run time instead of bundling it.
  serverExternalPackages: ["better-sqlite3"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  experimental: {
    // forbidden() and app/forbidden.tsx: a refused page answers 403 (issue 10).
    authInterrupts: true,
    serverActions: { allowedOrigins: actionHosts() },
  },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
