import { describe, expect, it } from "vitest";
import type { Actor } from "@/lib/domain/actor";
import {
  DAY_MS,
  TOKEN_LENGTH,
  base62,
  bearerCredential,
  checkTokenFormat,
  crc32,
  createTokenInput,
  generateToken,
  hashToken,
  tokenChecksum,
  tokenDisplayPrefix,
  tokenStatus,
  tokenUseIsStale,
} from "@/lib/domain/api-token";
import { APPROVALS_NEED_A_PERSON, authorize, tokenEnvironmentVerdict } from "@/lib/domain/authorize";
import { PERMISSIONS, type Permission, can } from "@/lib/domain/permissions";
import type { Role } from "@/lib/domain/roles";
import { HUMAN_ONLY_PERMISSIONS, SCOPE_PERMISSIONS, TOKEN_SCOPES, type TokenScope, parseScopes, scopesGrant, scopesOffered } from "@/lib/domain/token-scopes";

const BASE62 = /^[0-9A-Za-z]+$/;

/** Replaces the character at `i` by another base62 character. */
function flip(token: string, i: number): string {
  const c = token[i]!;
  const other = c === "a" ? "b" : "a";
  return token.slice(0, i) + other + token.slice(i + 1);
}

describe("token format: fdk_ + 30 random base62 + 6-character base62 CRC32 (GitHub's scheme)", () => {
  it("CRC32 is zlib's (IEEE) and base62 pads to its width", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
    expect(base62(0, 6)).toBe("000000");
    expect(base62(61, 2)).toBe("0z");
    expect(base62(62, 1)).toBe("10");
    expect(base62(0xffffffff, 6)).toHaveLength(6);
  });

  it("a generated token has the shape and passes its own checksum (round trip)", () => {
    for (let i = 0; i < 200; i++) {
      const t = generateToken();
      expect(t).toHaveLength(TOKEN_LENGTH);
      expect(t.startsWith("fdk_")).toBe(true);
      expect(BASE62.test(t.slice(4))).toBe(true);
      expect(t.slice(-6)).toBe(tokenChecksum(t.slice(4, 34)));
      expect(checkTokenFormat(t)).toEqual({ ok: true });
    }
  });

  it("every base62 character appears: the random part is spread over the whole alphabet", () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateToken().slice(4, 34)).join(""));
    expect(seen.size).toBe(62);
  });

  it("an injected random source gives a deterministic token; bytes >= 248 are skipped (no modulo bias)", () => {
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 255 : i % 62));
    const t = generateToken(bytes);
    expect(checkTokenFormat(t)).toEqual({ ok: true });
    expect(generateToken(bytes)).toBe(t);
  });

  it("a one-character change anywhere in the random part or the checksum fails the checksum", () => {
    const t = generateToken();
    for (let i = 4; i < t.length; i++) expect(checkTokenFormat(flip(t, i)), `position ${i}`).toEqual({ ok: false, reason: "bad_checksum" });
    // Two swapped neighbours too (a common typo).
    const swapped = t.slice(0, 10) + t[11] + t[10] + t.slice(12);
    if (swapped !== t) expect(checkTokenFormat(swapped)).toEqual({ ok: false, reason: "bad_checksum" });
  });

  it.each([
    ["empty", ""],
    ["GitHub token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"],
    ["other prefix", "fdx_" + "a".repeat(36)],
    ["upper-case prefix", "FDK_" + generateToken().slice(4)],
    ["too short", generateToken().slice(0, -1)],
    ["too long", generateToken() + "a"],
    ["non-base62 character", generateToken().slice(0, 20) + "-" + generateToken().slice(21)],
    ["whitespace inside", generateToken().slice(0, 20) + " " + generateToken().slice(21)],
    ["trailing newline", generateToken() + "\n"],
    ["unicode look-alike", generateToken().replace("fdk_", "fdк_")],
    ["a JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"],
  ])("a foreign string is refused before any lookup: %s", (_what, value) => {
    expect(checkTokenFormat(value)).toEqual({ ok: false, reason: "malformed" });
  });

  it("only the hash is stored: sha256 hex, different per token; the list shows the first 8 characters", () => {
    const t = generateToken();
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).not.toContain(t.slice(4));
    expect(hashToken(generateToken())).not.toBe(hashToken(t));
    expect(tokenDisplayPrefix(t)).toBe(t.slice(0, 8));
  });
});

describe("Authorization header", () => {
  it.each([
    [null, null],
    ["Basic dXNlcjpwYXNz", null],
    ["Bearer fdk_abc", "fdk_abc"],
    ["bearer   fdk_abc  ", "fdk_abc"],
    ["Bearer", ""],
    ["Bearer ", ""],
    ["Bearertoken", null],
  ])("%j -> %j", (header, expected) => {
    expect(bearerCredential(header)).toBe(expected);
  });
});

describe("expiry, status and last-use writes", () => {
  it("revoked wins over expired; expiry is exclusive of the instant", () => {
    expect(tokenStatus({ revokedAt: null, expiresAt: 100 }, 99)).toBe("active");
    expect(tokenStatus({ revokedAt: null, expiresAt: 100 }, 100)).toBe("expired");
    expect(tokenStatus({ revokedAt: 50, expiresAt: 100 }, 60)).toBe("revoked");
    expect(tokenStatus({ revokedAt: 50, expiresAt: 100 }, 200)).toBe("revoked");
  });

  it("last use is written at most once a minute", () => {
    expect(tokenUseIsStale(null, 0)).toBe(true);
    expect(tokenUseIsStale(1000, 60_999)).toBe(false);
    expect(tokenUseIsStale(1000, 61_000)).toBe(true);
  });

  it.each([
    [{}, 30],
    [{ expiresInDays: "" }, 30],
    [{ expiresInDays: "1" }, 1],
    [{ expiresInDays: 365 }, 365],
  ])("expiry %j -> %d days (default 30)", (over, days) => {
    expect(createTokenInput.parse({ name: "ci", scopes: "read", ...over }).expiresInDays).toBe(days);
  });

  it.each([0, -1, 366, 1.5, "soon"])("expiry %j is refused with a field error (1 day to 1 year)", (days) => {
    const r = createTokenInput.safeParse({ name: "ci", scopes: "read", expiresInDays: days });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0])).toEqual(["expiresInDays"]);
  });

  it("name and at least one known scope are required; a blank environment means any", () => {
    const r = createTokenInput.safeParse({ name: "  ", scopes: [] });
    expect(r.error!.issues.map((i) => i.path[0]).sort()).toEqual(["name", "scopes"]);
    expect(createTokenInput.safeParse({ name: "x", scopes: ["read", "approve"] }).success).toBe(false);
    expect(createTokenInput.parse({ name: "x", scopes: ["read", "read"], environment: "" })).toEqual({ name: "x", scopes: ["read"], environment: null, expiresInDays: 30 });
    expect(DAY_MS).toBe(86_400_000);
  });
});

describe("scopes (lib/domain/token-scopes.ts)", () => {
  it("read is every *.read verb of the permission table; every scope names real verbs", () => {
    const reads = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => p.endsWith(".read"));
    expect([...SCOPE_PERMISSIONS.read].sort()).toEqual(reads.sort());
    for (const s of TOKEN_SCOPES) for (const p of SCOPE_PERMISSIONS[s]) expect(Object.keys(PERMISSIONS)).toContain(p);
  });

  it("the groups of the issue", () => {
    expect(SCOPE_PERMISSIONS.deploy).toEqual(["release.create", "release.advance", "rollout.start"]);
    expect(SCOPE_PERMISSIONS.control).toEqual(["rollout.control"]);
    expect(SCOPE_PERMISSIONS.rollback).toEqual(["rollout.abort"]);
    expect(SCOPE_PERMISSIONS.security).toEqual(["security.manage", "override.create", "override.revoke"]);
    expect(SCOPE_PERMISSIONS.audit).toEqual(["audit.export"]);
  });

  it("no scope grants an approval, an attestation, token or admin work", () => {
    const never: Permission[] = [...HUMAN_ONLY_PERMISSIONS, "token.manage", "token.admin", "user.manage", "service.manage", "environment.manage"];
    for (const p of never) expect(scopesGrant(TOKEN_SCOPES, p), p).toBe(false);
  });

  it("offered scopes follow the roles: a viewer gets read only, a captain deploys, controls and rolls back", () => {
    expect(scopesOffered(["viewer"])).toEqual(["read"]);
    expect(scopesOffered(["release_captain"])).toEqual(["read", "deploy", "control", "rollback", "audit"]);
    expect(scopesOffered(["oncall"])).toEqual(["read", "rollback", "security", "audit"]);
    expect(scopesOffered(["security"])).toEqual(["read", "security", "audit"]);
  });

  it("stored scopes: unknown names are dropped (fails closed)", () => {
    expect(parseScopes(["read", "root", "deploy"])).toEqual(["read", "deploy"]);
    expect(parseScopes("read")).toEqual([]);
    expect(parseScopes(null)).toEqual([]);
  });
});

const person = (roles: Role[]): Actor => ({ kind: "user", id: 1, email: "p@example.test", name: "p", roles });
const tokenOf = (roles: Role[], scopes: TokenScope[], environment: string | null = null): Actor => ({
  ...person(roles),
  via: { kind: "token", tokenId: 7, scopes, environment },
});

describe("authorize: a token = its owner's current roles AND its scopes, never approvals", () => {
  it("for every permission, scope set and role: allowed exactly when the roles and the scopes both grant it", () => {
    const roleSets: Role[][] = [["viewer"], ["release_captain"], ["oncall"], ["security"], ["developer"], ["admin"], ["sentinel", "release_captain"]];
    const scopeSets: TokenScope[][] = [[], ["read"], ["deploy"], ["read", "rollback"], [...TOKEN_SCOPES]];
    for (const roles of roleSets) {
      for (const scopes of scopeSets) {
        for (const p of Object.keys(PERMISSIONS) as Permission[]) {
          const expected = can(roles, p) && scopes.some((s) => SCOPE_PERMISSIONS[s].includes(p)) && !HUMAN_ONLY_PERMISSIONS.includes(p);
          expect(authorize(tokenOf(roles, scopes), p).ok, `${roles.join("+")} ${scopes.join("+")} ${p}`).toBe(expected);
        }
      }
    }
  });

  it("a browser session is unchanged: the roles decide", () => {
    for (const p of Object.keys(PERMISSIONS) as Permission[]) expect(authorize(person(["sentinel"]), p).ok).toBe(can(["sentinel"], p));
  });

  it("a token attempting an approval or an attestation is told that approvals need a person, whatever its roles", () => {
    for (const p of HUMAN_ONLY_PERMISSIONS) {
      expect(authorize(tokenOf(["sentinel", "service_owner", "feature_owner"], [...TOKEN_SCOPES]), p)).toEqual({ ok: false, reason: "person", message: APPROVALS_NEED_A_PERSON });
      expect(authorize(tokenOf(["viewer"], ["read"]), p)).toMatchObject({ reason: "person" });
    }
  });

  it("messages: roles first (as before), then scope", () => {
    expect(authorize(tokenOf(["viewer"], ["deploy"]), "rollout.start")).toEqual({ ok: false, reason: "role", message: "You do not have permission to do this (rollout.start)." });
    expect(authorize(tokenOf(["release_captain"], ["read"]), "rollout.start")).toEqual({ ok: false, reason: "scope", message: "This API token's scopes do not allow this (rollout.start)." });
  });

  it("environment limit: only the token's environment; no limit or no environment passes; people are never limited", () => {
    expect(tokenEnvironmentVerdict(tokenOf(["release_captain"], ["deploy"], "staging"), "staging").ok).toBe(true);
    expect(tokenEnvironmentVerdict(tokenOf(["release_captain"], ["deploy"], "staging"), "production")).toEqual({
      ok: false,
      reason: "environment",
      message: "This API token is limited to the staging environment; it cannot act on production.",
    });
    expect(tokenEnvironmentVerdict(tokenOf(["release_captain"], ["deploy"], "staging"), null).ok).toBe(true);
    expect(tokenEnvironmentVerdict(tokenOf(["release_captain"], ["deploy"], null), "production").ok).toBe(true);
    expect(tokenEnvironmentVerdict(person(["release_captain"]), "production").ok).toBe(true);
    expect(tokenEnvironmentVerdict({ kind: "system", label: "worker" }, "production").ok).toBe(true);
  });
});
