import type Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { createTokenInput } from "@/lib/domain/api-token";
import { controlRolloutInput, startRolloutInput } from "@/lib/domain/rollout/inputs";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { MAX_JSON_BODY_BYTES } from "@/lib/api/body";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, useFreshDb } from "../support/db";
import { refusedProblem as refusedProblemIn } from "../support/api-v1";
import { actAs } from "../support/request-double";

// The session cookie is next-auth's (the external boundary, doubled); the API is called with real tokens.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const listRoute = await import("@/app/api/v1/rollouts/route");
const oneRoute = await import("@/app/api/v1/rollouts/[id]/route");
const commandRoute = await import("@/app/api/v1/rollouts/[id]/[command]/route");

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let captain: Actor;
let stagingId = 0;
let productionId = 0;
let serviceId = 0;
let rolloutId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  captain = insertUserWithRoles(db, "cap@example.test", ["release_captain"]);
  stagingId = findEnvironmentByName(db, "staging")!.id;
  productionId = findEnvironmentByName(db, "production")!.id;
  serviceId = findServiceByName(db, "sample-api")!.id;
  rolloutId = start(stagingId, "3.0.0");
  actAs(null);
});
afterEach(() => {
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
});

let keys = 0;
function start(environmentId: number, version: string): number {
  const input = startRolloutInput.parse({
    serviceId,
    environmentId,
    version,
    strategy: { kind: "canary", steps: [{ weight: 50, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] },
    idempotencyKey: `api-v1-test-${++keys}`,
  });
  return startRollout(captain, input).rollout.id;
}

/** Arranges a rollout in the running state (the worker's first step), as test setup only. */
const markRunning = (id: number) => sqlite.prepare("update rollouts set status = 'running', phase = 'hold', weight = 50, hold_ends_at = ?, row_version = row_version + 1 where id = ?").run(Date.now() + 60_000, id);

const token = (scopes: string[], over: Record<string, unknown> = {}) => createApiToken(captain, createTokenInput.parse({ name: "CI", scopes, ...over })).secret;
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}`, "x-forwarded-for": "198.51.100.9" });

const list = (secret: string, query = "") => listRoute.GET(new Request(`http://localhost/api/v1/rollouts${query}`, { headers: bearer(secret) }), { params: Promise.resolve({}) });
const getOne = (secret: string, id: string | number) =>
  oneRoute.GET(new Request(`http://localhost/api/v1/rollouts/${id}`, { headers: bearer(secret) }), { params: Promise.resolve({ id: String(id) }) });
function post(secret: string, id: string | number, command: string, opts: { body?: BodyInit; headers?: Record<string, string> } = {}) {
  const req = new Request(`http://localhost/api/v1/rollouts/${id}/${command}`, { method: "POST", body: opts.body, headers: { ...bearer(secret), ...opts.headers } });
  return commandRoute.POST(req, { params: Promise.resolve({ id: String(id), command }) });
}

/** A call that must be refused with a problem: nothing but audit events may change (tests/support/api-v1.ts). */
const refusedProblem = (call: () => Promise<Response>, status: number) => refusedProblemIn(sqlite, call, status);

describe("GET /api/v1/rollouts and /api/v1/rollouts/{id}", () => {
  it("a rollout with its ETag (the row version); the same body for a session", async () => {
    const secret = token(["read"]);
    const res = await getOne(secret, rolloutId);
    expect(res.status).toBe(200);
    const row = findRollout(db, rolloutId)!;
    expect(res.headers.get("etag")).toBe(`"v${row.rowVersion}"`);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: rolloutId, service: "sample-api", environment: "staging", toVersion: "3.0.0", status: row.status, version: row.rowVersion, links: { live: `/api/v1/rollouts/${rolloutId}/live` } });
    actAs(captain.id);
    const bySession = await oneRoute.GET(new Request(`http://localhost/api/v1/rollouts/${rolloutId}`), { params: Promise.resolve({ id: String(rolloutId) }) });
    expect(await bySession.json()).toEqual(body);
  });

  it("404 problem for an unknown or impossible id", async () => {
    const secret = token(["read"]);
    for (const id of ["999999", "abc", "1e3"]) {
      const { body, events } = await refusedProblem(() => getOne(secret, id), 404);
      expect(body).toMatchObject({ code: "NOT_FOUND", type: "urn:flightdeck:problem:not-found", detail: "Rollout was not found." });
      expect(events.map((e) => e.action)).toEqual(["action.refused"]);
    }
  });

  it("pagination walks every rollout exactly once, newest first, the next page in Link; filters", async () => {
    const ids = [rolloutId];
    for (let i = 1; i <= 6; i++) {
      // One live rollout per service and environment: finish the previous one first.
      sqlite.prepare("update rollouts set status = 'succeeded' where id = ?").run(ids.at(-1));
      ids.push(start(i % 2 ? productionId : stagingId, `3.0.${i}`));
    }
    const secret = token(["read"]);
    const seen: number[] = [];
    let query = "?limit=3";
    for (let pages = 0; pages < 10; pages++) {
      const res = await list(secret, query);
      expect(res.status).toBe(200);
      seen.push(...((await res.json()) as { items: { id: number }[] }).items.map((r) => r.id));
      const link = res.headers.get("link");
      if (!link) break;
      const m = /^<\/api\/v1\/rollouts(\?[^>]+)>; rel="next"$/.exec(link);
      expect(m, link).not.toBeNull();
      query = m![1]!;
    }
    expect(seen).toEqual([...ids].sort((a, b) => b - a));

    const prod = (await (await list(secret, "?environment=production&limit=200")).json()) as { items: { environment: string }[] };
    expect(prod.items).toHaveLength(3);
    expect(prod.items.every((r) => r.environment === "production")).toBe(true);
    const done = (await (await list(secret, "?status=succeeded&limit=200")).json()) as { items: { id: number }[] };
    expect(done.items.map((r) => r.id)).toEqual(ids.slice(0, -1).reverse());
  });

  it("invalid query parameters: 400 problem with field errors", async () => {
    const secret = token(["read"]);
    const { body } = await refusedProblem(() => list(secret, "?status=nope&limit=0&cursor=zzz&colour=red"), 400);
    expect(body.code).toBe("INVALID");
    expect(Object.keys(body.fieldErrors ?? {}).sort()).toEqual(["_form", "cursor", "limit", "status"].sort());
  });
});

describe("POST /api/v1/rollouts/{id}/{command}", () => {
  it("pause then resume: 202, Location, the new ETag; the service's audit events carry the token id", async () => {
    markRunning(rolloutId);
    const t = createApiToken(captain, createTokenInput.parse({ name: "CI", scopes: ["read", "control"] }));
    const etag = (await getOne(t.secret, rolloutId)).headers.get("etag")!;
    const last = lastAuditId(sqlite);
    const res = await post(t.secret, rolloutId, "pause", { headers: { "if-match": etag } });
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toBe(`/api/v1/rollouts/${rolloutId}`);
    const body = (await res.json()) as { status: string; version: number };
    expect(body.status).toBe("paused");
    expect(res.headers.get("etag")).toBe(`"v${body.version}"`);
    expect(findRollout(db, rolloutId)!.status).toBe("paused");
    const changes = auditEvents(sqlite, last).filter((e) => e.action !== "action.refused" && e.action !== "authz.denied");
    expect(changes.length).toBeGreaterThan(0);
    for (const e of changes) expect(e.details).toMatchObject({ apiTokenId: t.id });

    const resumed = await post(t.secret, rolloutId, "resume", { headers: { "if-match": res.headers.get("etag")!, "content-type": "application/json" }, body: "{}" });
    expect(resumed.status).toBe(202);
    expect(((await resumed.json()) as { status: string }).status).toBe("running");
  });

  it("promote and retry run the service verb; an illegal command for the state is a 409 problem", async () => {
    markRunning(rolloutId);
    const secret = token(["control"]);
    // Retry is for a failed step; this one is running.
    const { body } = await refusedProblem(() => post(secret, rolloutId, "retry", { headers: { "if-match": "*" } }), 409);
    expect(body).toMatchObject({ code: "PRECONDITION_FAILED", detail: "Only a failed rollout can be retried (this one is running)." });
    const before = findRollout(db, rolloutId)!.rowVersion;
    const promoted = await post(secret, rolloutId, "promote", { headers: { "if-match": "*" } });
    expect(promoted.status).toBe(202);
    expect(findRollout(db, rolloutId)!.rowVersion).toBe(before + 1);
  });

  it("abort with a reason (JSON body): 202, rolling back, the reason recorded", async () => {
    const secret = token(["rollback"]);
    const res = await post(secret, rolloutId, "abort", { headers: { "if-match": "*", "content-type": "application/json" }, body: JSON.stringify({ reason: "bad canary" }) });
    expect(res.status).toBe(202);
    // The worker rolls the traffic back; the API answered once the intent was recorded.
    expect(findRollout(db, rolloutId)).toMatchObject({ status: "rolling_back", reason: "bad canary" });
  });

  it("If-Match: a stale ETag is 412, none is 428; nothing changed", async () => {
    markRunning(rolloutId);
    const secret = token(["control"]);
    const current = findRollout(db, rolloutId)!.rowVersion;
    const stale = await refusedProblem(() => post(secret, rolloutId, "pause", { headers: { "if-match": `"v${current - 1}"` } }), 412);
    expect(stale.body.code).toBe("PRECONDITION_FAILED");
    const weak = await refusedProblem(() => post(secret, rolloutId, "pause", { headers: { "if-match": `W/"v${current}"` } }), 412);
    expect(weak.body.code).toBe("PRECONDITION_FAILED");
    const missing = await refusedProblem(() => post(secret, rolloutId, "pause"), 428);
    expect(missing.body.detail).toContain(`"v${current}"`);
    expect(findRollout(db, rolloutId)!.status).toBe("running");
  });

  it("the If-Match version reaches the service: a change between the route's check and the transaction is CONFLICT, never an overwrite", () => {
    markRunning(rolloutId);
    const seen = findRollout(db, rolloutId)!.rowVersion;
    markRunning(rolloutId);
    expect(() => controlRollout(captain, controlRolloutInput.parse({ rolloutId, command: "pause", expectedVersion: seen }))).toThrow(expect.objectContaining({ code: "CONFLICT" }));
    expect(findRollout(db, rolloutId)!.status).toBe("running");
  });

  it("a body streamed without Content-Length is cut off past 1 MB: 413", async () => {
    markRunning(rolloutId);
    const secret = token(["rollback"]);
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 40) c.enqueue(chunk);
        else c.close();
      },
    });
    const req = new Request(`http://localhost/api/v1/rollouts/${rolloutId}/abort`, { method: "POST", body, duplex: "half", headers: { ...bearer(secret), "if-match": "*", "content-type": "application/json" } } as RequestInit);
    expect(req.headers.get("content-length")).toBeNull();
    const { body: problem } = await refusedProblem(() => commandRoute.POST(req, { params: Promise.resolve({ id: String(rolloutId), command: "abort" }) }), 413);
    expect(problem.code).toBe("INVALID");
    // The stream was not read to its end.
    expect(sent).toBeLessThan(40);
  });

  it("bad bodies: wrong content type 415, invalid JSON 400, over 1 MB 413, unknown field 400 with field errors", async () => {
    markRunning(rolloutId);
    const secret = token(["control", "rollback"]);
    const h = { "if-match": "*" };
    const wrongType = await refusedProblem(() => post(secret, rolloutId, "abort", { headers: { ...h, "content-type": "text/plain" }, body: "reason=x" }), 415);
    expect(wrongType.body.code).toBe("INVALID");
    const badJson = await refusedProblem(() => post(secret, rolloutId, "abort", { headers: { ...h, "content-type": "application/json" }, body: "{reason:" }), 400);
    expect(badJson.body.detail).toBe("The request body is not valid JSON.");
    const big = JSON.stringify({ reason: "x".repeat(MAX_JSON_BODY_BYTES) });
    await refusedProblem(() => post(secret, rolloutId, "abort", { headers: { ...h, "content-type": "application/json" }, body: big }), 413);
    const invalid = await refusedProblem(
      () => post(secret, rolloutId, "abort", { headers: { ...h, "content-type": "application/json" }, body: JSON.stringify({ reason: "y".repeat(501), force: true }) }),
      400,
    );
    expect(Object.keys(invalid.body.fieldErrors ?? {}).sort()).toEqual(["_form", "reason"]);
    expect(findRollout(db, rolloutId)!.status).toBe("running");
  });

  it("unknown rollout or command: 404 problems", async () => {
    const secret = token(["read", "control"]);
    expect((await refusedProblem(() => post(secret, 999999, "pause", { headers: { "if-match": "*" } }), 404)).body.code).toBe("NOT_FOUND");
    expect((await refusedProblem(() => post(secret, rolloutId, "explode", { headers: { "if-match": "*" } }), 404)).body.code).toBe("NOT_FOUND");
  });

  it("403 + authz.denied with the token id for a token without the scope; nothing changed", async () => {
    markRunning(rolloutId);
    const t = createApiToken(captain, createTokenInput.parse({ name: "CI", scopes: ["read"] }));
    for (const command of ["pause", "abort"]) {
      const { body, events } = await refusedProblem(() => post(t.secret, rolloutId, command, { headers: { "if-match": "*" } }), 403);
      expect(body.code).toBe("FORBIDDEN");
      expect(events).toEqual([expect.objectContaining({ action: "authz.denied", details: expect.objectContaining({ apiTokenId: t.id }) as unknown })]);
    }
    expect(findRollout(db, rolloutId)!.status).toBe("running");
  });

  it("403 + authz.denied for a token limited to another environment; nothing changed", async () => {
    markRunning(rolloutId);
    const t = createApiToken(captain, createTokenInput.parse({ name: "CI", scopes: ["control", "rollback"], environment: "production" }));
    const { body, events } = await refusedProblem(() => post(t.secret, rolloutId, "pause", { headers: { "if-match": "*" } }), 403);
    expect(body).toMatchObject({ code: "FORBIDDEN", detail: "This API token is limited to the production environment; it cannot act on staging." });
    expect(events).toEqual([expect.objectContaining({ action: "authz.denied", details: expect.objectContaining({ apiTokenId: t.id }) as unknown })]);
    expect(findRollout(db, rolloutId)!.status).toBe("running");
  });

  it("a policy block: 403 BLOCKED with reasons[] and requires[] verbatim, its gate.blocked event, nothing changed", async () => {
    const prod = start(productionId, "3.1.0");
    markRunning(prod);
    setSecurityGate(insertUserWithRoles(db, "sec@example.test", ["security"]), { mode: "enforce" });
    const secret = token(["control"], { environment: "production" });
    const { body, events } = await refusedProblem(() => post(secret, prod, "promote", { headers: { "if-match": "*" } }), 403);
    expect(body).toMatchObject({
      code: "BLOCKED",
      type: "urn:flightdeck:problem:blocked",
      reasons: ["Production actions require explicit override"],
      requires: [expect.stringMatching(/^override:deploy\..+@production$/)],
    });
    expect(events.map((e) => e.action)).toEqual(["gate.blocked"]);
    // Verbatim: what the answer says is what the audit trail recorded.
    expect(events[0]!.details).toMatchObject({ reasons: body.reasons, requires: body.requires });
  });

  it("401 problem without credentials", async () => {
    const res = await commandRoute.POST(new Request(`http://localhost/api/v1/rollouts/${rolloutId}/pause`, { method: "POST" }), { params: Promise.resolve({ id: String(rolloutId), command: "pause" }) });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });
});
