import type Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { listAuditEvents } from "@/lib/api/spec/records";
import type { Actor } from "@/lib/domain/actor";
import { auditEvents, lastAuditId } from "../support/db";
import { apiToken, bearer, freshApiDbPerTest, documented, refusedProblem, walkPages } from "../support/api-v1";
import { newRelease } from "../support/governance";

// The session cookie is next-auth's (the external boundary, doubled); the API is called with real tokens.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const listRoute = await import("@/app/api/v1/audit/route");
const exportRoute = await import("@/app/api/v1/audit/export/route");

let db: Db;
let sqlite: Database.Database;
let captain: Actor;
freshApiDbPerTest((s) => {
  ({ db, sqlite, captain } = s);
});

const token = (scopes: string[]) => apiToken(captain, scopes);
const ctx = { params: Promise.resolve({}) };
const list = (secret: string, query = "") => listRoute.GET(new Request(`http://localhost/api/v1/audit${query}`, { headers: bearer(secret) }), ctx);
const exported = (secret: string, query = "") => exportRoute.GET(new Request(`http://localhost/api/v1/audit/export${query}`, { headers: bearer(secret) }), ctx);
const ids = (sql: string, ...args: unknown[]) => sqlite.prepare(sql).pluck().all(...args) as number[];

describe("GET /api/v1/audit", () => {
  it("pages walk the whole trail once, newest first, the next page in Link; the documented AuditEvent", async () => {
    const secret = token(["read"]).secret;
    const all = ids("select id from audit_events order by id desc");
    expect(await walkPages("/api/v1/audit", "?limit=7", (q) => list(secret, q))).toEqual(all);
    const page = await documented(await list(secret, "?limit=1"), listAuditEvents, 200);
    expect(page.items[0]).toMatchObject({ id: all[0], action: "token.create", actorLabel: "cap@example.test", roles: expect.any(Array) as unknown, details: expect.any(Object) as unknown });
  });

  it("the Audit page's filters: actor, action, subject, environment, time range", async () => {
    const t = token(["read", "deploy"]);
    const releases = [0, 1, 2].map((i) => newRelease(db, { version: `8.0.${i}` }, captain));
    const secret = t.secret;
    const creates = ids("select id from audit_events where action = 'release.create' order by id desc");
    expect(creates).toHaveLength(3);
    expect(await walkPages("/api/v1/audit", "?action=release.create&actor=cap%40example.test&limit=2", (q) => list(secret, q))).toEqual(creates);
    const one = String(releases[1]!.id);
    const subject = (await (await list(secret, `?subjectType=release&subjectId=${one}`)).json()) as { items: { id: number }[] };
    expect(subject.items.map((e) => e.id)).toEqual(ids("select id from audit_events where subject_type = 'release' and subject_id = ? order by id desc", one));
    expect(subject.items.length).toBeGreaterThan(0);
    const staging = (await (await list(secret, "?environment=staging&limit=200")).json()) as { items: { environment: string }[] };
    expect(staging.items.length).toBe(ids("select id from audit_events where environment = 'staging'").length);
    const future = (await (await list(secret, `?from=${new Date(Date.now() + 3600_000).toISOString()}`)).json()) as { items: unknown[] };
    expect(future.items).toEqual([]);
  });

  it("bad filters: 400 problem with field errors", async () => {
    const secret = token(["read"]).secret;
    const { body } = await refusedProblem(sqlite, () => list(secret, "?action=nope&from=yesterday&cursor=zz&limit=999"), 400);
    expect(Object.keys(body.fieldErrors ?? {}).sort()).toEqual(["action", "cursor", "from", "limit"]);
    const range = await refusedProblem(sqlite, () => list(secret, "?from=2026-11-22T10:00&to=2026-11-21T10:00"), 400);
    expect(range.body.fieldErrors).toEqual({ to: ["'From' must be before 'to'."] });
  });
});

describe("GET /api/v1/audit/export", () => {
  it("CSV by default, JSON and the verifiable bundle on request; each export audited with the token id", async () => {
    const t = token(["audit"]);
    const last = lastAuditId(sqlite);
    const csv = await exported(t.secret, "?action=token.create");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toBe("id,createdAt,actorLabel,roles,action,subjectType,subjectId,environment,details,requestId,prevHash,hash");
    expect(lines).toHaveLength(2);

    const json = await exported(t.secret, "?format=json&action=token.create");
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(((await json.json()) as { action: string }[]).map((e) => e.action)).toEqual(["token.create"]);

    const bundle = await exported(t.secret, "?format=bundle");
    expect(bundle.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect((await bundle.text()).trim().split("\n").length).toBeGreaterThan(2);

    const exports = auditEvents(sqlite, last).filter((e) => e.action === "audit.export");
    expect(exports.map((e) => e.details.format)).toEqual(["csv", "json", "bundle"]);
    for (const e of exports) expect(e.details).toMatchObject({ apiTokenId: t.id });
  });

  it("a token without the audit scope: 403; a bad format: 400", async () => {
    const reader = token(["read"]);
    const { body, events } = await refusedProblem(sqlite, () => exported(reader.secret), 403);
    expect(body.detail).toBe("This API token's scopes do not allow this (audit.export).");
    expect(events.map((e) => e.action)).toEqual(["authz.denied"]);
    const bad = await refusedProblem(sqlite, () => exported(token(["audit"]).secret, "?format=xml"), 400);
    expect(Object.keys(bad.body.fieldErrors ?? {})).toEqual(["format"]);
  });
});
