import { describe, expect, it } from "vitest";
import { MAX_REDIRECT_LENGTH, safeRedirectPath } from "@/lib/domain/safe-redirect";

const ORIGIN = "http://localhost:3000";

// [target, expected path] — every known way to leave the origin ends on "/".
const TABLE: [string, unknown, string][] = [
  // plain same-origin paths are kept (normalized)
  ["root", "/", "/"],
  ["a page", "/releases/12", "/releases/12"],
  ["query and fragment", "/audit?action=authz.denied&limit=50#top", "/audit?action=authz.denied&limit=50#top"],
  ["encoded query value", "/audit?q=a%20b%2F%2F", "/audit?q=a%20b%2F%2F"],
  ["userinfo-looking path stays a path", "/@evil.example", "/@evil.example"],
  ["dot segments fold into the origin", "/a/../releases", "/releases"],
  ["parent beyond root stays on the origin", "/../../evil.example", "/evil.example"],
  // scheme-relative and backslash tricks
  ["scheme-relative", "//evil.example/x", "/"],
  ["triple slash", "///evil.example/x", "/"],
  ["slash backslash", "/\\evil.example/x", "/"],
  ["backslash slash", "\\/evil.example/x", "/"],
  ["double backslash", "\\\\evil.example/x", "/"],
  ["backslash later in the path", "/releases\\..\\..\\evil", "/"],
  ["dot segment making //", "/.//evil.example/x", "/"],
  // encoded variants
  ["encoded //", "%2f%2fevil.example/x", "/"],
  ["encoded // upper case", "%2F%2Fevil.example", "/"],
  ["slash then encoded slash", "/%2fevil.example/x", "/"],
  ["slash then encoded slash upper case", "/%2F/evil.example", "/"],
  ["encoded backslash", "/%5cevil.example", "/"],
  ["bare encoded backslash", "%5c%5cevil.example", "/"],
  ["double-encoded slash", "/%252f/evil.example", "/"],
  ["encoded tab", "/%09/evil.example/x", "/"],
  ["encoded newline", "/%0a/evil.example", "/"],
  ["malformed escape", "/%zz", "/"],
  // raw whitespace and control characters
  ["tab inside", "/\t/evil.example/x", "/"],
  ["newline inside", "/\n/evil.example", "/"],
  ["carriage return inside", "/\r/evil.example", "/"],
  ["leading space", " //evil.example", "/"],
  ["NUL", "/\u0000/evil.example", "/"],
  ["line separator", "/\u2028/evil.example", "/"],
  // schemes
  ["javascript:", "javascript:alert(document.cookie)", "/"],
  ["javascript: mixed case with tab", "java\tscript:alert(1)", "/"],
  ["data:", "data:text/html,<script>alert(1)</script>", "/"],
  ["vbscript:", "vbscript:msgbox(1)", "/"],
  ["relative without slash", "evil.example/x", "/"],
  // absolute URLs
  ["same-origin absolute becomes its path", "http://localhost:3000/releases/3?x=1#y", "/releases/3?x=1#y"],
  ["same-origin absolute root", "http://localhost:3000", "/"],
  ["foreign absolute", "https://evil.example/x", "/"],
  ["same host other port", "http://localhost:4000/releases", "/"],
  ["same host other scheme", "https://localhost:3000/releases", "/"],
  ["userinfo pointing elsewhere", "http://localhost@evil.example/x", "/"],
  ["userinfo with port", "http://localhost:3000@evil.example/", "/"],
  ["userinfo on the right host", "http://user:pw@localhost:3000/releases", "/"],
  ["same-origin absolute hiding //", "http://localhost:3000//evil.example/x", "/"],
  ["same-origin absolute with encoded slash", "http://localhost:3000/%2f%2fevil.example", "/"],
  ["ftp", "ftp://localhost:3000/x", "/"],
  // not strings, empty, too long
  ["empty", "", "/"],
  ["number", 42, "/"],
  ["array", ["/releases"], "/"],
  ["object", { href: "/releases" }, "/"],
  ["null", null, "/"],
  ["undefined", undefined, "/"],
  ["very long", `/${"a".repeat(MAX_REDIRECT_LENGTH)}`, "/"],
];

describe("safeRedirectPath", () => {
  it.each(TABLE)("%s", (_name, target, expected) => {
    expect(safeRedirectPath(target, ORIGIN)).toBe(expected);
  });

  it("keeps a long but acceptable path", () => {
    const path = `/${"a".repeat(MAX_REDIRECT_LENGTH - 1)}`;
    expect(safeRedirectPath(path, ORIGIN)).toBe(path);
  });

  it("without a known origin every absolute URL is refused", () => {
    expect(safeRedirectPath("http://localhost:3000/releases", null)).toBe("/");
    expect(safeRedirectPath("/releases", null)).toBe("/releases");
  });

  it("uses the given fallback", () => {
    expect(safeRedirectPath("//evil.example", ORIGIN, "/sign-in")).toBe("/sign-in");
  });

  it("never returns something a browser would resolve to another origin", () => {
    for (const [, target] of TABLE) {
      const out = safeRedirectPath(target, ORIGIN);
      expect(new URL(out, ORIGIN).origin).toBe(ORIGIN);
      expect(out.startsWith("/") && !out.startsWith("//") && !out.includes("\\")).toBe(true);
    }
  });
});
