import type Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findServiceByName, insertService } from "@/db/queries/catalog";
import { findRelease, rolloutsOfRelease } from "@/db/queries/releases";
import { advanceReleaseOp, createReleaseOp, getReleaseOp, listReleasesOp } from "@/lib/api/spec/releases";
import type { Actor } from "@/lib/domain/actor";
import { auditEvents, lastAuditId } from "../support/db";
import { apiToken, bearer, freshApiDbPerTest, documented, refusedProblem, walkPages } from "../support/api-v1";
import { DEMO, HOUR, MIN, addApproval, newRelease, passPreflight, passValidation, putInPhase, signedIn } from "../support/governance";

// The session cookie is next-auth's (the external boundary, doubled); the API is called with real tokens.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const listRoute = await import("@/app/api/v1/releases/route");
const oneRoute = await import("@/app/api/v1/releases/[id]/route");
const advanceRoute = await import("@/app/api/v1/releases/[id]/advance/route");

let db: Db;
let sqlite: Database.Database;
let captain: Actor;
freshApiDbPerTest((s) => {
  ({ db, sqlite, captain } = s);
  // A second service, for releases that deploy two and for the service filter (test setup).
  const api = findServiceByName(db, "sample-api")!;
  insertService(db, { name: "sample-web", owner: "Web team", deployTarget: api.deployTarget, createdAt: Date.now(), updatedAt: Date.now() });
});

const token = (scopes: string[], over: Record<string, unknown> = {}) => apiToken(captain, scopes, over);
const json = { "content-type": "application/json" };
const ctx = (id: string | number = "") => ({ params: Promise.resolve({ id: String(id) }) });

const create = (secret: string, body: unknown, headers: Record<string, string> = {}) =>
  listRoute.POST(new Request("http://localhost/api/v1/releases", { method: "POST", body: JSON.stringify(body), headers: { ...bearer(secret), ...json, ...headers } }), ctx());
const list = (secret: string, query = "") => listRoute.GET(new Request(`http://localhost/api/v1/releases${query}`, { headers: bearer(secret) }), ctx());
const getOne = (secret: string, id: string | number) => oneRoute.GET(new Request(`http://localhost/api/v1/releases/${id}`, { headers: bearer(secret) }), ctx(id));
const advance = (secret: string, id: string | number, body: unknown, headers: Record<string, string> = {}) =>
  advanceRoute.POST(new Request(`http://localhost/api/v1/releases/${id}/advance`, { method: "POST", body: JSON.stringify(body), headers: { ...bearer(secret), ...json, ...headers } }), ctx(id));

const BODY = {
  service: "sample-api",
  version: "4.2.0",
  commitSha: "abcdef1234",
  changeLog: "Adds the payments endpoint and retries.",
  rollbackPlan: "Redeploy 4.1.0; no schema change to undo.",
  strategy: { kind: "canary", steps: [{ weight: 50, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] },
  monitoringMinutes: 15,
};

/** A release waiting for production (pre-flight passed, smoke signed off, production validation passed), on the real clock. */
function awaitingProduction() {
  const now = Date.now();
  const r = newRelease(db, {}, captain, now - 72 * HOUR);
  passPreflight(db, r.id, now - 5 * MIN);
  putInPhase(db, r.id, "production_approval", now - HOUR);
  addApproval(db, r.id, "feature_owner", "smoke", { approver: signedIn(db, "feature"), requestedAt: now - HOUR });
  passValidation(db, r.id, "production", now - 5 * MIN);
  return findRelease(db, r.id)!;
}

describe("POST /api/v1/releases", () => {
  it("creates through createRelease: 201, Location, ETag, the documented Release; release.create carries the token id", async () => {
    const t = token(["deploy", "read"]);
    const last = lastAuditId(sqlite);
    const res = await create(t.secret, { ...BODY, hotfix: true, alsoDeploy: ["sample-web"] });
    const body = await documented(res, createReleaseOp, 201);
    expect(res.headers.get("location")).toBe(`/api/v1/releases/${body.id}`);
    expect(res.headers.get("etag")).toBe(`"v${body.rowVersion}"`);
    expect(body).toMatchObject({ service: "sample-api", version: "4.2.0", phase: "preflight", hotfix: true, soakMinutes: 15, createdBy: "cap@example.test" });
    expect(body.deployments.map((d) => d.service)).toEqual(["sample-api", "sample-web"]);
    expect(findRelease(db, body.id)).toMatchObject({ version: "4.2.0", status: "preflight" });
    const events = auditEvents(sqlite, last).filter((e) => e.action === "release.create");
    expect(events).toEqual([expect.objectContaining({ subjectId: String(body.id), details: expect.objectContaining({ apiTokenId: t.id }) as unknown })]);
    // The same as a GET.
    expect(await (await getOne(t.secret, body.id)).json()).toEqual(body);
  });

  it("field errors: 400 problem naming each field (unknown service by name, bad version, a command, unknown field); nothing written", async () => {
    const t = token(["deploy"]);
    const { body } = await refusedProblem(sqlite, () => create(t.secret, { ...BODY, service: "nope", version: "bad version!", changeLog: "short", extra: 1 }), 400);
    expect(body.code).toBe("INVALID");
    expect(Object.keys(body.fieldErrors ?? {}).sort()).toEqual(["_form", "changeLog", "version"]);
    const unknown = await refusedProblem(sqlite, () => create(t.secret, { ...BODY, service: "nope" }), 400);
    expect(unknown.body.fieldErrors).toEqual({ service: ['There is no service named "nope".'] });
    const self = await refusedProblem(sqlite, () => create(t.secret, { ...BODY, alsoDeploy: ["sample-api"] }), 400);
    expect(self.body.fieldErrors).toEqual({ alsoDeploy: ["The release's own service is always deployed."] });
    const command = await refusedProblem(sqlite, () => create(t.secret, { ...BODY, migrations: [{ id: "m1", command: "rm -rf /" }] }), 400);
    expect(Object.keys(command.body.fieldErrors ?? {})).toEqual(["migrations"]);
  });

  it("a token without the deploy scope: 403 + authz.denied with its id; nothing written", async () => {
    const t = token(["read"]);
    const { body, events } = await refusedProblem(sqlite, () => create(t.secret, BODY), 403);
    expect(body).toMatchObject({ code: "FORBIDDEN", detail: "This API token's scopes do not allow this (release.create)." });
    expect(events).toEqual([expect.objectContaining({ action: "authz.denied", details: expect.objectContaining({ apiTokenId: t.id }) as unknown })]);
  });
});

describe("GET /api/v1/releases and /api/v1/releases/{id}", () => {
  it("pages walk every release once, newest first, the next page in Link; service and phase filters", async () => {
    for (let i = 0; i < 5; i++) newRelease(db, { version: `5.0.${i}`, ...(i % 2 ? { serviceId: findServiceByName(db, "sample-web")!.id } : {}) }, captain);
    const all = sqlite.prepare("select id from releases order by id desc").pluck().all() as number[];
    const secret = token(["read"]).secret;
    expect(await walkPages("/api/v1/releases", "?limit=2", (q) => list(secret, q))).toEqual(all);

    const web = (await (await list(secret, "?service=sample-web&limit=200")).json()) as { items: { service: string }[] };
    expect(web.items.length).toBe(sqlite.prepare("select count(*) from releases r join services s on s.id = r.service_id where s.name = 'sample-web'").pluck().get());
    expect(web.items.every((r) => r.service === "sample-web")).toBe(true);
    const res = await list(secret, "?phase=preflight&limit=200");
    const preflight = await documented(res, listReleasesOp, 200);
    expect(preflight.items.length).toBeGreaterThanOrEqual(5);
    expect(preflight.items.every((r) => r.phase === "preflight")).toBe(true);
  });

  it("a release with its approvals' summary, rollouts and running versions; ETag from the row version", async () => {
    const r = awaitingProduction();
    const secret = token(["read"]).secret;
    const res = await getOne(secret, r.id);
    const body = await documented(res, getReleaseOp, 200);
    expect(res.headers.get("etag")).toBe(`"v${r.rowVersion}"`);
    expect(body).toMatchObject({ id: r.id, phase: "production_approval", rowVersion: r.rowVersion, running: { staging: null, production: null } });
    expect(body.approvals.satisfied).toBe(false);
    expect(body.approvals.missing.length).toBeGreaterThan(0);
    expect(body.approvals.items).toEqual([expect.objectContaining({ role: "feature_owner", kind: "smoke", status: "approved", approver: DEMO("feature"), releaseId: r.id })]);
  });

  it("404 problem for an unknown or impossible id; 400 for bad filters", async () => {
    const secret = token(["read"]).secret;
    for (const id of ["999999", "abc"]) {
      const { body } = await refusedProblem(sqlite, () => getOne(secret, id), 404);
      expect(body.detail).toBe("Release was not found.");
    }
    const { body } = await refusedProblem(sqlite, () => list(secret, "?phase=nope&limit=0&colour=red"), 400);
    expect(Object.keys(body.fieldErrors ?? {}).sort()).toEqual(["_form", "limit", "phase"]);
  });
});

describe("POST /api/v1/releases/{id}/advance", () => {
  it("abort: 200 with the new ETag and phase; release.abort carries the token id", async () => {
    const r = newRelease(db, {}, captain);
    const t = token(["deploy", "read"]);
    const etag = (await getOne(t.secret, r.id)).headers.get("etag")!;
    const last = lastAuditId(sqlite);
    const res = await advance(t.secret, r.id, { command: "abort", reason: "wrong build" }, { "if-match": etag });
    const body = await documented(res, advanceReleaseOp, 200);
    expect(body.phase).toBe("aborted");
    expect(res.headers.get("location")).toBe(`/api/v1/releases/${r.id}`);
    expect(res.headers.get("etag")).toBe(`"v${body.rowVersion}"`);
    expect(auditEvents(sqlite, last).find((e) => e.action === "release.abort")?.details).toMatchObject({ apiTokenId: t.id, reason: "wrong build" });
  });

  it("deploy_staging: 202, the staging rollout recorded for the worker", async () => {
    const r = newRelease(db, {}, captain);
    passPreflight(db, r.id, Date.now() - MIN);
    const t = token(["deploy"], { environment: "staging" });
    const res = await advance(t.secret, r.id, { command: "deploy_staging" }, { "if-match": "*" });
    const body = await documented(res, advanceReleaseOp, 202);
    expect(body.phase).toBe("staging_deploy");
    const started = rolloutsOfRelease(db, r.id);
    expect(started).toHaveLength(1);
    expect(body.rollouts).toEqual([expect.objectContaining({ id: started[0]!.id, environment: "staging", link: `/api/v1/rollouts/${started[0]!.id}` })]);
  });

  it("If-Match: stale 412, missing 428, nothing changed; a step the phase does not allow is 409 with the reason", async () => {
    const r = newRelease(db, {}, captain);
    const secret = token(["deploy"]).secret;
    const stale = await refusedProblem(sqlite, () => advance(secret, r.id, { command: "abort" }, { "if-match": `"v${r.rowVersion + 7}"` }), 412);
    expect(stale.body.code).toBe("PRECONDITION_FAILED");
    const missing = await refusedProblem(sqlite, () => advance(secret, r.id, { command: "abort" }), 428);
    expect(missing.body.detail).toContain(`"v${r.rowVersion}"`);
    const early = await refusedProblem(sqlite, () => advance(secret, r.id, { command: "deploy_staging" }, { "if-match": "*" }), 409);
    expect(early.body.detail).toMatch(/^Pre-flight is not complete: /);
    expect(early.events.map((e) => e.action)).toEqual(["release.refused"]);
    expect(findRelease(db, r.id)!.status).toBe("preflight");
  });

  it("a policy block: 403 BLOCKED with reasons[] and requires[] verbatim from its gate.blocked event", async () => {
    const r = awaitingProduction();
    const secret = token(["deploy"], { environment: "production" }).secret;
    const { body, events } = await refusedProblem(sqlite, () => advance(secret, r.id, { command: "start_production" }, { "if-match": "*" }), 403);
    expect(body).toMatchObject({ code: "BLOCKED", reasons: expect.arrayContaining([expect.stringMatching(/^Missing approval: /)]) as unknown });
    expect(body.requires?.length).toBeGreaterThan(0);
    expect(events.map((e) => e.action)).toEqual(["gate.blocked"]);
    expect(events[0]!.details).toMatchObject({ reasons: body.reasons, requires: body.requires });
  });

  it("a token limited to staging cannot start production: 403 + authz.denied; unknown command 400; unknown release 404", async () => {
    const r = awaitingProduction();
    const t = token(["deploy"], { environment: "staging" });
    const { body, events } = await refusedProblem(sqlite, () => advance(t.secret, r.id, { command: "start_production" }, { "if-match": "*" }), 403);
    expect(body.detail).toBe("This API token is limited to the staging environment; it cannot act on production.");
    expect(events).toEqual([expect.objectContaining({ action: "authz.denied", details: expect.objectContaining({ apiTokenId: t.id }) as unknown })]);
    const bad = await refusedProblem(sqlite, () => advance(t.secret, r.id, { command: "launch" }, { "if-match": "*" }), 400);
    expect(Object.keys(bad.body.fieldErrors ?? {})).toEqual(["command"]);
    await refusedProblem(sqlite, () => advance(t.secret, 999999, { command: "abort" }, { "if-match": "*" }), 404);
  });
});
