/**
 * The caller's address for throttling. Next's server appends the socket address to
 * X-Forwarded-For, so the last entry is the one no client can forge (a proxy in front adds its own).
 */
export function clientAddress(headers: Record<string, string | string[] | undefined> | Headers): string {
  const raw = headers instanceof Headers ? headers.get("x-forwarded-for") : headers["x-forwarded-for"];
  const value = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  const last = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return last ?? "unknown";
}
