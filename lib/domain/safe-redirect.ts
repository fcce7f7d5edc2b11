/**
 * Same-origin redirect targets (issue 10, open redirect). Every redirect whose target comes from
 * input (callbackUrl, next-auth's redirect callback, the sign-in form) goes through here.
 * Pure: no framework imports, so the server page, the client form and next-auth share it.
 */

/** Longer targets are refused outright: no page of Flightdeck needs one, and they only feed tricks. */
export const MAX_REDIRECT_LENGTH = 2048;

// A base no real request uses: a relative target that resolves to another origin is refused.
const PROBE_ORIGIN = "http://flightdeck.invalid";

// Control characters and whitespace: browsers drop tab/CR/LF inside URLs ("/\t/evil" becomes
// "//evil"), so any of them makes the target suspect.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u0020\u007f-\u009f\u2028\u2029\u00a0\ufeff]/;

/** Decodes percent-escapes until stable (at most a few rounds); null when the escapes are malformed. */
function decodeFully(value: string): string | null {
  let current = value;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** True when `value` (raw or decoded) would let a browser, router or server leave the origin. */
function looksForeign(value: string): boolean {
  if (UNSAFE_CHARS.test(value) || value.includes("\\")) return true;
  // "//host" is scheme-relative; "/" must be followed by something that is not a second slash.
  return !value.startsWith("/") || value.startsWith("//");
}

/**
 * The path (with query and fragment) to send the browser to, or `fallback` ("/") when the target
 * could leave Flightdeck. `origin` is Flightdeck's own origin (e.g. "https://flightdeck.example"):
 * an absolute URL on exactly that origin becomes its path; any other absolute URL, a
 * scheme-relative one ("//x", "/\x"), an encoded or whitespace-split variant of those, a
 * `javascript:` or `data:` URL, a non-string or an over-long value becomes the fallback.
 */
export function safeRedirectPath(value: unknown, origin?: string | null, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_REDIRECT_LENGTH) return fallback;
  if (!value.startsWith("/")) return sameOriginPath(value, origin) ?? fallback;
  if (looksForeign(value)) return fallback;
  // Some layer may decode the path ("/%2f/evil", "/%5cevil", "/%09/evil"): check what it would see.
  // The query and fragment are left alone: "?q=%20" is a fine target.
  const decodedPath = decodeFully(value.split(/[?#]/, 1)[0]!);
  if (decodedPath === null || looksForeign(decodedPath)) return fallback;
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // The normalized form must still be a plain path (dot segments can fold "/./" into "//").
  return looksForeign(path) ? fallback : path;
}

/** An absolute URL on exactly `origin` (scheme, host and port) as a checked path; otherwise null. */
function sameOriginPath(value: string, origin: string | null | undefined): string | null {
  if (!origin || UNSAFE_CHARS.test(value) || value.includes("\\")) return null;
  let url: URL;
  let own: URL;
  try {
    url = new URL(value);
    own = new URL(origin);
  } catch {
    return null;
  }
  // Userinfo ("http://localhost@evil", "http://user:pw@localhost") is never needed: refuse it.
  if (url.username || url.password) return null;
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== own.origin) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  const checked = safeRedirectPath(path, null, "");
  return checked === "" ? null : checked;
}
