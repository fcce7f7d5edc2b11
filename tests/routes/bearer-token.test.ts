import type Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findApiToken } from "@/db/queries/api-tokens";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { setUserDisabled } from "@/db/queries/users";
import { flushRefusalSummaries, resetRefusalCap } from "@/lib/audit/refusal";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { createTokenInput, generateToken } from "@/lib/domain/api-token";
import { API_UNAUTHENTICATED_MESSAGE } from "@/lib/domain/authorize";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { revokeApiToken } from "@/lib/services/tokens/revoke-api-token";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, snapshot, useFreshDb } from "../support/db";
import { actAs } from "../support/request-double";

// The session cookie is next-auth's (the external boundary, doubled); the bearer path is all ours.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const rolloutRoute = await import("@/app/api/rollouts/[id]/route");
const exportRoute = await import("@/app/api/audit/export/route");

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let captain: Actor;
let viewer: Actor;
let rolloutId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  captain = insertUserWithRoles(db, "cap@example.test", ["release_captain"]);
  viewer = insertUserWithRoles(db, "view@example.test", ["viewer"]);
  const input = startRolloutInput.parse({
    serviceId: findServiceByName(db, "sample-api")!.id,
    environmentId: findEnvironmentByName(db, "staging")!.id,
    version: "3.0.0",
    strategy: { kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] },
    idempotencyKey: "route-test-rollout",
  });
  rolloutId = startRollout(captain, input).rollout.id;
  actAs(null);
});
afterEach(() => {
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
});

const token = (owner: Actor, over: Record<string, unknown> = {}, now?: number) =>
  createApiToken(owner, createTokenInput.parse({ name: "CI", scopes: ["read"], ...over }), undefined, { now });

function get(route: "rollout" | "export", headers: Record<string, string> = {}) {
  const init = { headers: { "x-forwarded-for": "198.51.100.9", ...headers } };
  return route === "rollout"
    ? rolloutRoute.GET(new Request(`http://localhost/api/rollouts/${rolloutId}`, init), { params: Promise.resolve({ id: String(rolloutId) }) })
    : exportRoute.GET(new Request("http://localhost/api/audit/export?format=json&action=system.seed", init), {});
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** Runs a call that must be refused: nothing but audit events may change; returns the response and the new events. */
async function refused(call: () => Promise<Response>) {
  const before = snapshot(sqlite);
  const last = lastAuditId(sqlite);
  const res = await call();
  const after = snapshot(sqlite);
  for (const t of Object.keys(before)) if (t !== "audit_events") expect(after[t], `${t} changed`).toEqual(before[t]);
  return { res, body: (await res.json()) as unknown, events: auditEvents(sqlite, last) };
}

describe("route handlers accept API tokens (withRoute -> authenticateRequest)", () => {
  it("a good token: 200 with the same body a session gets; its last use (time, address) is noted", async () => {
    const t = token(viewer);
    const res = await get("rollout", bearer(t.secret));
    expect(res.status).toBe(200);
    const { now: _now, ...body } = (await res.json()) as { id?: number; now?: number };
    expect(body).toMatchObject({ id: rolloutId });
    actAs(viewer.id);
    const { now: _later, ...bySession } = (await (await get("rollout")).json()) as { now?: number };
    expect(bySession).toEqual(body);
    expect(findApiToken(db, t.id)).toMatchObject({ lastUsedAddress: "198.51.100.9" });
    expect(findApiToken(db, t.id)!.lastUsedAt).toBeGreaterThan(0);
  });

  it("an audit export by a token is audited with the token id", async () => {
    const t = token(captain, { scopes: ["audit"] });
    const last = lastAuditId(sqlite);
    const res = await get("export", bearer(t.secret));
    expect(res.status).toBe(200);
    await res.text();
    expect(auditEvents(sqlite, last)).toEqual([expect.objectContaining({ action: "audit.export", actorLabel: captain.email, details: expect.objectContaining({ apiTokenId: t.id }) as unknown })]);
  });

  it("401 for every bad kind, with one body that does not say which; the audit event records the reason", async () => {
    const expired = token(viewer, { expiresInDays: 1 }, Date.now() - 2 * 86_400_000);
    const revoked = token(viewer);
    revokeApiToken(viewer, { tokenId: revoked.id });
    const gone = insertUserWithRoles(db, "gone@example.test", ["release_captain"]);
    const disabled = token(gone);
    setUserDisabled(db, gone.id, true);
    const good = token(viewer).secret;
    const cases: { what: string; headers: Record<string, string>; reason?: string; actor: string; tokenId?: number }[] = [
      { what: "no credentials at all", headers: {}, actor: "anonymous" },
      { what: "empty bearer", headers: { authorization: "Bearer" }, reason: "api_token_malformed", actor: "anonymous" },
      { what: "malformed", headers: bearer("not-a-token"), reason: "api_token_malformed", actor: "anonymous" },
      { what: "foreign (GitHub) token", headers: bearer("ghp_16C7e42F292c6912E7710c838347Ae178B4a"), reason: "api_token_malformed", actor: "anonymous" },
      { what: "bad checksum", headers: bearer(good.slice(0, -1) + (good.endsWith("a") ? "b" : "a")), reason: "api_token_bad_checksum", actor: "anonymous" },
      { what: "unknown", headers: bearer(generateToken()), reason: "api_token_unknown", actor: "anonymous" },
      { what: "expired", headers: bearer(expired.secret), reason: "api_token_expired", actor: viewer.email, tokenId: expired.id },
      { what: "revoked", headers: bearer(revoked.secret), reason: "api_token_revoked", actor: viewer.email, tokenId: revoked.id },
      { what: "disabled account", headers: bearer(disabled.secret), reason: "api_token_account_disabled", actor: gone.email, tokenId: disabled.id },
    ];
    for (const c of cases) {
      const { res, body, events } = await refused(() => get("rollout", c.headers));
      expect(res.status, c.what).toBe(401);
      expect(body, c.what).toEqual({ ok: false, code: "UNAUTHENTICATED", message: API_UNAUTHENTICATED_MESSAGE });
      expect(events, c.what).toEqual([
        expect.objectContaining({
          action: "action.refused",
          actorLabel: c.actor,
          subjectId: "rollout.read",
          details: expect.objectContaining({ code: "UNAUTHENTICATED", address: "198.51.100.9", ...(c.reason ? { reason: c.reason } : {}), ...(c.tokenId ? { apiTokenId: c.tokenId } : {}) }) as unknown,
        }),
      ]);
      // The secret presented never reaches the trail.
      const presented = (c.headers.authorization ?? "").replace(/^Bearer\s*/, "");
      if (presented.length >= 40) expect(JSON.stringify(events)).not.toContain(presented.slice(8));
    }
  });

  it("a bearer token wins over the session cookie (a bad one is refused even when signed in); a proxy's Basic header leaves the cookie in charge", async () => {
    actAs(captain.id);
    expect((await get("rollout", bearer("fdk_nonsense"))).status).toBe(401);
    expect((await get("rollout", { authorization: "Basic dXNlcjpwYXNz" })).status).toBe(200);
  });

  it("403 beyond the token's scope, audited as authz.denied with the token id; nothing else written (not even last use)", async () => {
    const t = token(captain, { scopes: ["read"] });
    const { res, body, events } = await refused(() => get("export", bearer(t.secret)));
    expect(res.status).toBe(403);
    expect(body).toEqual({ ok: false, code: "FORBIDDEN", message: "This API token's scopes do not allow this (audit.export)." });
    expect(events).toEqual([
      expect.objectContaining({ action: "authz.denied", actorLabel: captain.email, subjectId: "audit.export", details: expect.objectContaining({ permission: "audit.export", apiTokenId: t.id, address: "198.51.100.9" }) as unknown }),
    ]);
    expect(findApiToken(db, t.id)!.lastUsedAt).toBeNull();
  });

  it("403 when the owner's current roles do not allow it, whatever the scopes", async () => {
    const t = token(viewer, { scopes: ["read"] });
    const { res, body } = await refused(() => get("export", bearer(t.secret)));
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ code: "FORBIDDEN", message: "You do not have permission to do this (audit.export)." });
  });

  it("under the refusal rate cap, the summary of a token's suppressed refusals is the person's (no token id: it counts all of theirs)", async () => {
    resetRefusalCap(db, { limit: 1, windowMs: 60_000 });
    const t = token(captain, { scopes: ["read"] });
    const last = lastAuditId(sqlite);
    for (let i = 0; i < 3; i++) expect((await get("export", bearer(t.secret))).status).toBe(403);
    flushRefusalSummaries(db, Date.now() + 61_000);
    const events = auditEvents(sqlite, last);
    expect(events.map((e) => e.action)).toEqual(["authz.denied", "audit.refusals_suppressed"]);
    expect(events[0]!.details).toMatchObject({ apiTokenId: t.id });
    expect(events[1]).toMatchObject({ actorLabel: captain.email, details: expect.objectContaining({ count: 2 }) as unknown });
    expect(events[1]!.details).not.toHaveProperty("apiTokenId");
  });
});
