import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type Database from "better-sqlite3";
import type { Account, User } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import type { Db } from "@/db/connection";
import { authOptions } from "@/lib/auth/options";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, useFreshDb } from "../support/db";

// lib/env parses once per process (one vitest fork per file): OIDC configured, demo mode off.
process.env.FLIGHTDECK_DEMO = "0";
process.env.OIDC_ISSUER = "https://idp.example";
process.env.OIDC_CLIENT_ID = "flightdeck";
process.env.OIDC_CLIENT_SECRET = "secret-for-tests";
process.env.NEXTAUTH_SECRET = "a-test-secret-of-enough-length";

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let before = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  insertUserWithRoles(db, "pat@example.com", ["release_captain"]);
  before = lastAuditId(sqlite);
});
afterEach(() => closeCurrentDb());

function oidc() {
  const p = authOptions().providers.find((x) => x.id === "oidc") as OAuthConfig<Record<string, unknown>> | undefined;
  if (!p) throw new Error("no oidc provider");
  return p;
}

type UserinfoRequest = (ctx: { tokens: unknown; client: { userinfo: (t: unknown) => Promise<Record<string, unknown>> } }) => Promise<Record<string, unknown>>;
const userinfoRequest = () => (oidc().userinfo as { request: UserinfoRequest }).request;

describe("the OIDC provider of next-auth (issue 15)", () => {
  it("runs the code flow with PKCE and state and checks the ID token", () => {
    const p = oidc();
    expect(p.checks).toEqual(["pkce", "state"]);
    expect(p.idToken).toBe(true);
    expect(p.wellKnown).toBe("https://idp.example/.well-known/openid-configuration");
    expect(p.authorization).toEqual({ params: { scope: "openid email profile" } });
  });

  it("takes email and email_verified from the ID token when it has them", async () => {
    const claims = { sub: "u1", email: "pat@example.com", email_verified: true };
    const userinfo = vi.fn();
    expect(await userinfoRequest()({ tokens: { claims: () => claims }, client: { userinfo } })).toEqual(claims);
    expect(userinfo).not.toHaveBeenCalled();
  });

  it("asks the UserInfo endpoint otherwise, keeping the ID token's sub", async () => {
    const tokens = { claims: () => ({ sub: "u1" }) };
    const userinfo = vi.fn(() => Promise.resolve({ sub: "u1", email: "pat@example.com", email_verified: true }));
    expect(await userinfoRequest()({ tokens, client: { userinfo } })).toEqual({ sub: "u1", email: "pat@example.com", email_verified: true });
    expect(userinfo).toHaveBeenCalledWith(tokens);
  });
});

describe("the signIn callback for OIDC (issue 15, A2, M1)", () => {
  const signIn = (profile: Record<string, unknown>) => {
    const user: User = { id: String(profile.sub), email: typeof profile.email === "string" ? profile.email : null };
    const account: Account = { provider: "oidc", type: "oauth", providerAccountId: String(profile.sub) };
    return { user, result: authOptions().callbacks!.signIn!({ user, account, profile }) };
  };

  it("lets a verified email of an enabled account in as that account", async () => {
    const { user, result } = signIn({ sub: "u1", email: "Pat@Example.com", email_verified: true });
    expect(await result).toBe(true);
    expect(user.id).not.toBe("u1");
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["auth.sign_in"]);
  });

  it.each([
    [{ sub: "u1", email: "pat@example.com", email_verified: false }, "OidcEmailUnverified"],
    [{ sub: "u1", email: "pat@example.com" }, "OidcEmailUnverified"],
    [{ sub: "u1", email_verified: true }, "OidcNoEmail"],
    [{ sub: "u1", email: "nobody@example.com", email_verified: true }, "NoLocalAccount"],
  ])("refuses %j to the sign-in page with error=%s, audited", async (profile, error) => {
    expect(await signIn(profile).result).toBe(`/sign-in?error=${error}`);
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["auth.sign_in_failed"]);
  });

  it("leaves credentials sign-ins alone", async () => {
    const user: User = { id: "1" };
    expect(await authOptions().callbacks!.signIn!({ user, account: { provider: "credentials", type: "credentials", providerAccountId: "1" } })).toBe(true);
  });
});

describe("a refused OIDC callback (issue 15, M1)", () => {
  it("is audited with the reason next-auth or openid-client gave", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    authOptions().logger!.error!("OAUTH_CALLBACK_ERROR", { error: new Error("aud mismatch, expected flightdeck, got: other"), providerId: "oidc" });
    spy.mockRestore();
    const events = auditEvents(sqlite, before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "action.refused", subjectId: "auth.sign_in", details: { code: "UNAUTHENTICATED", reason: "oidc: aud mismatch, expected flightdeck, got: other" } });
  });
});
