import { describe, expect, it } from "vitest";
import { authOptions } from "@/lib/auth/options";

// next-auth's redirect callback decides where the browser goes after sign-in (credentials or
// the OIDC callback) and sign-out: always this origin.
describe("next-auth redirect callback", () => {
  const baseUrl = "http://localhost:3000";
  const redirect = (url: string) => authOptions().callbacks!.redirect!({ url, baseUrl });

  it.each([
    ["/releases/3", "http://localhost:3000/releases/3"],
    ["http://localhost:3000/audit?limit=5", "http://localhost:3000/audit?limit=5"],
    ["//evil.example/x", "http://localhost:3000/"],
    ["/\\evil.example/x", "http://localhost:3000/"],
    ["https://evil.example/x", "http://localhost:3000/"],
    ["http://localhost:3000@evil.example/", "http://localhost:3000/"],
    ["http://localhost:3000//evil.example", "http://localhost:3000/"],
    ["javascript:alert(1)", "http://localhost:3000/"],
    ["/%2f%2fevil.example", "http://localhost:3000/"],
  ])("%s -> %s", async (url, expected) => {
    expect(await redirect(url)).toBe(expected);
  });
});
