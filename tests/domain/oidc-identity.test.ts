import { describe, expect, it } from "vitest";
import { emailVerified, needsUserinfo, oidcEmail, oidcIdentity } from "@/lib/auth/oidc-identity";

describe("oidcIdentity (issue 15)", () => {
  it("accepts a verified email, trimmed and lower-cased", () => {
    expect(oidcIdentity({ sub: "1", email: " Pat@Example.COM ", email_verified: true })).toEqual({ ok: true, email: "pat@example.com" });
    expect(oidcIdentity({ sub: "1", email: "pat@example.com", email_verified: "true" })).toEqual({ ok: true, email: "pat@example.com" });
  });

  it("refuses an email the provider did not verify, or did not say it verified", () => {
    for (const email_verified of [false, "false", undefined, null, 1, "yes"]) {
      expect(oidcIdentity({ sub: "1", email: "pat@example.com", email_verified })).toEqual({ ok: false, reason: "email_unverified", email: "pat@example.com" });
    }
  });

  it("refuses claims without a usable email", () => {
    for (const email of [undefined, null, "", "   ", 42, "x".repeat(321)]) {
      expect(oidcIdentity({ sub: "1", email, email_verified: true })).toEqual({ ok: false, reason: "no_email", email: null });
    }
  });

  it("reads email and email_verified on their own", () => {
    expect(oidcEmail({ email: "A@B.C" })).toBe("a@b.c");
    expect(emailVerified({ email_verified: " TRUE " })).toBe(true);
    expect(emailVerified({})).toBe(false);
  });

  it("asks the UserInfo endpoint when the ID token lacks email or email_verified", () => {
    expect(needsUserinfo({ sub: "1" })).toBe(true);
    expect(needsUserinfo({ sub: "1", email: "pat@example.com" })).toBe(true);
    expect(needsUserinfo({ sub: "1", email: "pat@example.com", email_verified: false })).toBe(false);
    expect(needsUserinfo({ sub: "1", email: "pat@example.com", email_verified: true })).toBe(false);
  });
});
