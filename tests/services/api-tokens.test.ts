import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Db } from "@/db/connection";
import { findApiToken, listApiTokens } from "@/db/queries/api-tokens";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { preflightOf } from "@/db/queries/governance";
import { approvalsOf } from "@/db/queries/releases";
import { findUserByEmail } from "@/db/queries/users";
import { authenticateToken, noteTokenUse } from "@/lib/auth/authenticate-request";
import { assertCan, assertTokenEnvironment } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { type CreateTokenInput, DAY_MS, MAX_ACTIVE_TOKENS, createTokenInput, generateToken, hashToken } from "@/lib/domain/api-token";
import { APPROVALS_NEED_A_PERSON } from "@/lib/domain/authorize";
import { setRolesInput, setDisabledInput } from "@/lib/domain/catalog-inputs";
import { attestInput, decideApprovalInput, releaseCommandInput } from "@/lib/domain/release/inputs";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { ForbiddenError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";
import { decideApproval } from "@/lib/services/approvals/decide-approval";
import { attestPreflight } from "@/lib/services/releases/attest-preflight";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { revokeApiToken } from "@/lib/services/tokens/revoke-api-token";
import { setUserDisabled } from "@/lib/services/users/set-user-disabled";
import { setUserRoles } from "@/lib/services/users/set-user-roles";
import { actorFor, auditEvents, expectRefusedWithoutWrites, insertUserWithRoles, lastAuditId, snapshot } from "../support/db";
import { DEMO, NOW, freshSeededDbPerTest, newRelease, releaseAwaitingProduction } from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);
const ROLE_OF = { captain: "release_captain", viewer: "viewer", admin: "admin", oncall: "oncall", sentinel: "sentinel" } as const;
/**
 * A (non-demo: demo accounts authenticate only in demo mode) person with the demo account's role,
 * e.g. demo("captain") -> captain@example.test, release captain. Created on first use per test.
 */
function demo(name: keyof typeof ROLE_OF): Actor {
  const email = `${name}@example.test`;
  return findUserByEmail(db, email) ? actorFor(db, email) : insertUserWithRoles(db, email, [ROLE_OF[name]]);
}
const input = (over: Record<string, unknown> = {}): CreateTokenInput => createTokenInput.parse({ name: "CI", scopes: ["read"], ...over });

/** Creates a token as `owner` and returns it with the actor a call carrying it authenticates as. */
function tokenFor(owner: Actor, over: Record<string, unknown> = {}, now = T0) {
  const created = createApiToken(owner, input(over), undefined, { now });
  return { ...created, actor: () => authenticated(created.secret, now + 1000) };
}

function authenticated(secret: string, now: number): Actor {
  const auth = authenticateToken(secret, now);
  if (auth.status !== "ok") throw new Error(`expected the token to authenticate, got ${JSON.stringify(auth)}`);
  return auth.actor;
}

describe("create (A5): scopes the roles allow, optional environment, 1 day to 1 year, stored as a hash, audited without the secret", () => {
  it("returns the secret once; the row keeps only its sha256 and prefix; token.create is audited", () => {
    const before = lastAuditId(sqlite);
    const captain = demo("captain");
    const t = createApiToken(captain, input({ name: "CI staging", scopes: ["read", "deploy"], environment: "staging", expiresInDays: "90" }), "req-1", { now: T0 });
    expect(t).toMatchObject({ name: "CI staging", scopes: ["read", "deploy"], environment: "staging", expiresAt: T0 + 90 * DAY_MS, prefix: t.secret.slice(0, 8) });
    const row = findApiToken(db, t.id)!;
    expect(row).toMatchObject({ userId: captain.id, tokenHash: hashToken(t.secret), prefix: t.secret.slice(0, 8), scopes: ["read", "deploy"], environment: "staging", createdAt: T0, expiresAt: T0 + 90 * DAY_MS, revokedAt: null, lastUsedAt: null });
    // Nowhere in the database: not in the row, not in the audit trail.
    expect(JSON.stringify(snapshot(sqlite))).not.toContain(t.secret.slice(8));
    const events = auditEvents(sqlite, before);
    expect(events).toEqual([
      expect.objectContaining({
        action: "token.create",
        actorLabel: captain.email,
        subjectType: "api_token",
        subjectId: String(t.id),
        requestId: "req-1",
        details: { name: "CI staging", prefix: t.prefix, scopes: ["read", "deploy"], environment: "staging", expiresAt: new Date(T0 + 90 * DAY_MS).toISOString(), source: "web" },
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain(row.tokenHash);
  });

  it("expiry: 30 days by default, at most a year", () => {
    expect(createApiToken(demo("viewer"), input(), undefined, { now: T0 }).expiresAt).toBe(T0 + 30 * DAY_MS);
    expect(createApiToken(demo("viewer"), input({ expiresInDays: 365 }), undefined, { now: T0 }).expiresAt).toBe(T0 + 365 * DAY_MS);
    expect(createTokenInput.safeParse({ name: "x", scopes: "read", expiresInDays: 366 }).success).toBe(false);
  });

  it("a scope the roles do not allow, an unknown environment: field errors, nothing written", async () => {
    const [viewer, captain] = [demo("viewer"), demo("captain")];
    const err = (await expectRefusedWithoutWrites(sqlite, () => createApiToken(viewer, input({ scopes: ["read", "deploy"] })), InvalidError)) as InvalidError;
    expect(err.fieldErrors).toEqual({ scopes: ["Your roles do not allow Deploy."] });
    const env = (await expectRefusedWithoutWrites(sqlite, () => createApiToken(captain, input({ environment: "qa" })), InvalidError)) as InvalidError;
    expect(env.fieldErrors).toEqual({ environment: ["Unknown environment."] });
  });

  it("a token cannot create (or revoke) tokens: out of every scope", async () => {
    const t = tokenFor(demo("admin"), { scopes: ["read", "audit"] });
    await expectRefusedWithoutWrites(sqlite, () => createApiToken(t.actor(), input()), ForbiddenError, "(token.manage)");
    await expectRefusedWithoutWrites(sqlite, () => revokeApiToken(t.actor(), { tokenId: t.id }), ForbiddenError, "(token.manage)");
  });

  it(`at most ${MAX_ACTIVE_TOKENS} active tokens per person; revoked and expired ones do not count`, async () => {
    const viewer = demo("viewer");
    const first = createApiToken(viewer, input({ expiresInDays: 1 }), undefined, { now: T0 - 2 * DAY_MS });
    for (let i = 0; i < MAX_ACTIVE_TOKENS; i++) createApiToken(viewer, input({ name: `t${i}` }), undefined, { now: T0 });
    await expectRefusedWithoutWrites(sqlite, () => createApiToken(viewer, input(), undefined, { now: T0 }), PreconditionError, "revoke one");
    revokeApiToken(viewer, { tokenId: listApiTokens(db, viewer.id)[0]!.id }, undefined, T0);
    expect(createApiToken(viewer, input(), undefined, { now: T0 }).id).toBeGreaterThan(first.id);
  });
});

describe("list and revoke", () => {
  it("lists one's own tokens (newest first) or everyone's, never a secret", () => {
    const a = createApiToken(demo("captain"), input({ name: "a" }), undefined, { now: T0 });
    const b = createApiToken(demo("captain"), input({ name: "b" }), undefined, { now: T0 + 1 });
    const c = createApiToken(demo("viewer"), input({ name: "c" }), undefined, { now: T0 + 2 });
    expect(listApiTokens(db, demo("captain").id).map((t) => t.name)).toEqual(["b", "a"]);
    expect(listApiTokens(db, null).map((t) => [t.name, t.ownerEmail])).toEqual([
      ["c", "viewer@example.test"],
      ["b", "captain@example.test"],
      ["a", "captain@example.test"],
    ]);
    expect(JSON.stringify(listApiTokens(db, null))).not.toContain(a.secret.slice(8));
    expect([a, b, c].every((t) => t.secret.startsWith("fdk_"))).toBe(true);
  });

  it("the owner revokes (audited once, idempotent); another person may not; an administrator may", async () => {
    const [captain, oncall] = [demo("captain"), demo("oncall")];
    const t = createApiToken(captain, input(), undefined, { now: T0 });
    await expectRefusedWithoutWrites(sqlite, () => revokeApiToken(oncall, { tokenId: t.id }), ForbiddenError, "Only administrators may revoke someone else's API token.");
    await expectRefusedWithoutWrites(sqlite, () => revokeApiToken(captain, { tokenId: 99999 }), NotFoundError);
    const before = lastAuditId(sqlite);
    expect(revokeApiToken(captain, { tokenId: t.id }, "req-r", T0 + 5)).toEqual({ changed: true });
    expect(findApiToken(db, t.id)).toMatchObject({ revokedAt: T0 + 5, revokedBy: captain.id });
    expect(revokeApiToken(captain, { tokenId: t.id }, undefined, T0 + 6)).toEqual({ changed: false });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "token.revoke", actorLabel: captain.email, subjectId: String(t.id), requestId: "req-r", details: { name: "CI", prefix: t.prefix, owner: captain.email } }),
    ]);

    const other = createApiToken(demo("viewer"), input(), undefined, { now: T0 });
    const admin = demo("admin");
    expect(revokeApiToken(admin, { tokenId: other.id }, undefined, T0 + 7)).toEqual({ changed: true });
    expect(auditEvents(sqlite, before).at(-1)).toMatchObject({ action: "token.revoke", actorLabel: admin.email, details: { owner: "viewer@example.test" } });
  });
});

describe("authentication: every bad kind refused, a good token acts as its owner now", () => {
  it("malformed, bad checksum, unknown, expired, revoked, disabled account: refused with the reason (for the audit only)", () => {
    const viewer = demo("viewer");
    const good = createApiToken(viewer, input({ expiresInDays: 1 }), undefined, { now: T0 });
    const flipped = good.secret.slice(0, -1) + (good.secret.endsWith("a") ? "b" : "a");
    expect(authenticateToken("", T0)).toMatchObject({ status: "token_refused", reason: "malformed", account: null });
    expect(authenticateToken("ghp_16C7e42F292c6912E7710c838347Ae178B4a", T0)).toMatchObject({ reason: "malformed" });
    expect(authenticateToken(flipped, T0)).toMatchObject({ reason: "bad_checksum", account: null });
    expect(authenticateToken(generateToken(), T0)).toMatchObject({ reason: "unknown", account: null });
    expect(authenticateToken(good.secret, T0 + DAY_MS)).toMatchObject({ reason: "expired", account: { id: viewer.id, roles: [], via: { tokenId: good.id } } });
    expect(authenticateToken(good.secret, T0 + DAY_MS - 1)).toMatchObject({ status: "ok" });

    const revoked = createApiToken(viewer, input(), undefined, { now: T0 });
    revokeApiToken(viewer, { tokenId: revoked.id }, undefined, T0 + 1);
    expect(authenticateToken(revoked.secret, T0 + 2)).toMatchObject({ reason: "revoked", account: { id: viewer.id, roles: [] } });
  });

  it("acts as its owner with the roles of the database now; the token id rides along", () => {
    const captain = demo("captain");
    const t = tokenFor(captain, { scopes: ["read", "deploy"], environment: "staging" });
    expect(t.actor()).toEqual({ ...captain, via: { kind: "token", tokenId: t.id, scopes: ["read", "deploy"], environment: "staging" } });
  });

  it("intersection: a captain's read token cannot start a rollout; a viewer's deploy scope is impossible to get", async () => {
    const reader = tokenFor(demo("captain"), { scopes: ["read"] }).actor();
    expect(() => assertCan(reader, "rollout.read")).not.toThrow();
    await expectRefusedWithoutWrites(sqlite, () => assertCan(reader, "rollout.start"), ForbiddenError, "This API token's scopes do not allow this (rollout.start).");
    await expectRefusedWithoutWrites(
      sqlite,
      () => startRollout(reader, startRolloutInput.parse({ serviceId: findServiceByName(db, "sample-api")!.id, environmentId: findEnvironmentByName(db, "staging")!.id, version: "3.0.0", strategy: { kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }, idempotencyKey: "token-read-start" })),
      ForbiddenError,
      "(rollout.start)",
    );
  });

  it("a role revoked from the owner bites on the token's next call", async () => {
    const person = insertUserWithRoles(db, "ci-owner@example.test", ["release_captain"]);
    const t = tokenFor(person, { scopes: ["read", "deploy", "control"] });
    expect(() => assertCan(t.actor(), "rollout.start")).not.toThrow();
    setUserRoles(demo("admin"), setRolesInput.parse({ userId: person.id, roles: ["viewer"] }));
    await expectRefusedWithoutWrites(sqlite, () => assertCan(t.actor(), "rollout.start"), ForbiddenError, "You do not have permission to do this (rollout.start).");
    // Granting it back works again, without a new token.
    setUserRoles(demo("admin"), setRolesInput.parse({ userId: person.id, roles: ["release_captain"] }));
    expect(() => assertCan(t.actor(), "rollout.control")).not.toThrow();
  });

  it("a disabled account bites on the token's next call", () => {
    const person = insertUserWithRoles(db, "ci-disabled@example.test", ["release_captain"]);
    const t = tokenFor(person, { scopes: ["read"] });
    expect(authenticateToken(t.secret, T0 + 1)).toMatchObject({ status: "ok" });
    setUserDisabled(demo("admin"), setDisabledInput.parse({ userId: person.id, disabled: "true" }));
    expect(authenticateToken(t.secret, T0 + 2)).toMatchObject({ status: "token_refused", reason: "account_disabled", account: { id: person.id, roles: [] } });
  });

  it("last use (time and address) is written at most once a minute", () => {
    const t = tokenFor(demo("viewer"));
    const row = () => findApiToken(db, t.id)!;
    noteTokenUse(row(), "192.0.2.1", T0 + 1000);
    expect(row()).toMatchObject({ lastUsedAt: T0 + 1000, lastUsedAddress: "192.0.2.1" });
    noteTokenUse(row(), "192.0.2.2", T0 + 30_000);
    expect(row()).toMatchObject({ lastUsedAt: T0 + 1000, lastUsedAddress: "192.0.2.1" });
    // A stale copy of the row (another process) still cannot write twice within the minute.
    const stale = { ...row(), lastUsedAt: null };
    noteTokenUse(stale, "192.0.2.3", T0 + 30_000);
    expect(row().lastUsedAddress).toBe("192.0.2.1");
    noteTokenUse(row(), "192.0.2.4", T0 + 61_000);
    expect(row()).toMatchObject({ lastUsedAt: T0 + 61_000, lastUsedAddress: "192.0.2.4" });
  });
});

describe("environment limit: a staging token cannot act on production", () => {
  const startIn = (actor: Actor, env: string, key: string) =>
    startRollout(
      actor,
      startRolloutInput.parse({ serviceId: findServiceByName(db, "sample-api")!.id, environmentId: findEnvironmentByName(db, env)!.id, version: "3.0.0", strategy: { kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }, idempotencyKey: key }),
    );

  it("assertTokenEnvironment (for route handlers) refuses another environment", async () => {
    const staging = tokenFor(demo("captain"), { scopes: ["deploy"], environment: "staging" }).actor();
    expect(() => assertTokenEnvironment(staging, "staging")).not.toThrow();
    await expectRefusedWithoutWrites(sqlite, () => assertTokenEnvironment(staging, "production"), ForbiddenError, "This API token is limited to the staging environment; it cannot act on production.");
  });

  it("a service that forgot to ask is stopped by recordAudit: production refused, nothing written; staging works and its events carry the token id", async () => {
    const t = tokenFor(demo("captain"), { scopes: ["read", "deploy"], environment: "staging" });
    await expectRefusedWithoutWrites(sqlite, () => startIn(t.actor(), "production", "token-prod-1"), ForbiddenError, "limited to the staging environment");
    const before = lastAuditId(sqlite);
    const { rollout } = startIn(t.actor(), "staging", "token-staging-1");
    const events = auditEvents(sqlite, before);
    expect(events.length).toBeGreaterThan(0);
    expect(events.map((e) => e.action)).toContain("rollout.start");
    for (const e of events) expect(e, e.action).toMatchObject({ actorLabel: "captain@example.test", details: expect.objectContaining({ apiTokenId: t.id }) as unknown });
    expect(rollout.environmentId).toBe(findEnvironmentByName(db, "staging")!.id);
  });

  it("a token without a limit acts anywhere its scopes and roles allow; a person is never limited", () => {
    const t = tokenFor(demo("captain"), { scopes: ["deploy"] });
    expect(() => assertTokenEnvironment(t.actor(), "production")).not.toThrow();
    expect(() => assertTokenEnvironment(demo("captain"), "production")).not.toThrow();
  });
});

describe("approvals stay human (D1-D5): no token may approve or attest", () => {
  it("a sentinel's token with every scope is refused with the reason, nothing written", async () => {
    const release = releaseAwaitingProduction(db);
    driveRelease(actorFor(db, DEMO("captain")), releaseCommandInput.parse({ releaseId: release.id, command: "request_approval" }), undefined, NOW);
    const pending = approvalsOf(db, release.id).find((a) => a.role === "sentinel" && a.status === "pending")!;
    const token = tokenFor(demo("sentinel"), { scopes: ["read", "audit"] }).actor();
    for (const call of [
      () => decideApproval(token, decideApprovalInput.parse({ approvalId: pending.id, decision: "approve" })),
      () => decideApproval(token, decideApprovalInput.parse({ approvalId: pending.id, decision: "approve", password: "flightdeck-demo" })),
      () => decideApproval(token, decideApprovalInput.parse({ approvalId: pending.id, decision: "reject", comment: "not from CI" })),
    ]) {
      await expectRefusedWithoutWrites(sqlite, call, ForbiddenError, APPROVALS_NEED_A_PERSON);
    }
    expect(approvalsOf(db, release.id).find((a) => a.id === pending.id)!.status).toBe("pending");
  });

  it("a pre-flight attestation by a token is refused the same way", async () => {
    const release = newRelease(db);
    const item = preflightOf(db, release.id).find((i) => i.check === "attestation")!;
    const token = tokenFor(demo("captain"), { scopes: ["read", "deploy", "control", "rollback", "audit"] }).actor();
    await expectRefusedWithoutWrites(sqlite, () => attestPreflight(token, attestInput.parse({ itemId: item.id, evidence: "checked in CI" })), ForbiddenError, APPROVALS_NEED_A_PERSON);
  });
});
