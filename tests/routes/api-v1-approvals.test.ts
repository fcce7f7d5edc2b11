import type Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findApproval } from "@/db/queries/releases";
import { getApproval, listApprovals } from "@/lib/api/spec/records";
import type { Actor } from "@/lib/domain/actor";
import { APPROVALS_NEED_A_PERSON } from "@/lib/domain/authorize";
import { insertUserWithRoles } from "../support/db";
import { apiToken, bearer, freshApiDbPerTest, documented, refusedProblem, walkPages } from "../support/api-v1";
import { HOUR, addApproval, newRelease } from "../support/governance";
import { actAs } from "../support/request-double";

// The session cookie is next-auth's (the external boundary, doubled); the API is called with real tokens.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const listRoute = await import("@/app/api/v1/approvals/route");
const oneRoute = await import("@/app/api/v1/approvals/[id]/route");
const decideRoute = await import("@/app/api/v1/approvals/[id]/decide/route");

let db: Db;
let sqlite: Database.Database;
let captain: Actor;
let sentinel: Actor;
freshApiDbPerTest((s) => {
  ({ db, sqlite, captain } = s);
  sentinel = insertUserWithRoles(db, "sen@example.test", ["sentinel"]);
});

const token = (owner: Actor, scopes: string[]) => apiToken(owner, scopes).secret;
const ctx = (id: string | number = "") => ({ params: Promise.resolve({ id: String(id) }) });
const list = (secret: string, query = "") => listRoute.GET(new Request(`http://localhost/api/v1/approvals${query}`, { headers: bearer(secret) }), ctx());
const getOne = (secret: string, id: string | number) => oneRoute.GET(new Request(`http://localhost/api/v1/approvals/${id}`, { headers: bearer(secret) }), ctx(id));
const decide = (id: number, headers: Record<string, string>) =>
  decideRoute.POST(
    new Request(`http://localhost/api/v1/approvals/${id}/decide`, { method: "POST", body: JSON.stringify({ decision: "approve" }), headers: { "content-type": "application/json", ...headers } }),
    ctx(id),
  );

/** Two releases with pending and granted approvals (test setup). */
function approvals() {
  const now = Date.now();
  const a = newRelease(db, { version: "7.0.0" }, captain, now - HOUR);
  const b = newRelease(db, { version: "7.1.0" }, captain, now - HOUR);
  return {
    a,
    b,
    rows: [
      addApproval(db, a.id, "sentinel", "production", { requestedAt: now - HOUR }),
      addApproval(db, a.id, "service_owner", "production", { requestedAt: now - HOUR }),
      addApproval(db, b.id, "feature_owner", "smoke", { requestedAt: now - HOUR, approver: sentinel }),
      addApproval(db, b.id, "sentinel", "production", { requestedAt: now - HOUR }),
    ],
  };
}

describe("GET /api/v1/approvals and /api/v1/approvals/{id}", () => {
  it("pages walk every approval once, newest first; release and status filters; the documented Approval", async () => {
    const { a, b, rows } = approvals();
    const secret = token(captain, ["read"]);
    expect(await walkPages("/api/v1/approvals", "?limit=3", (q) => list(secret, q))).toEqual(rows.map((r) => r.id).reverse());
    const ofA = await documented(await list(secret, `?release=${a.id}`), listApprovals, 200);
    expect(ofA.items.map((x) => x.id)).toEqual([rows[1]!.id, rows[0]!.id]);
    expect(ofA.items[0]).toMatchObject({ releaseId: a.id, service: "sample-api", releaseVersion: "7.0.0", role: "service_owner", status: "pending", approver: null, links: { decideInBrowser: `/approvals/${rows[1]!.id}` } });
    const granted = await documented(await list(secret, "?status=approved"), listApprovals, 200);
    expect(granted.items).toEqual([expect.objectContaining({ id: rows[2]!.id, releaseId: b.id, approver: "sen@example.test", kind: "smoke" })]);

    const one = await documented(await getOne(secret, rows[3]!.id), getApproval, 200);
    expect(one).toEqual(expect.objectContaining({ id: rows[3]!.id, releaseVersion: "7.1.0", role: "sentinel", status: "pending" }));
  });

  it("404 for unknown ids, 400 for bad filters", async () => {
    const secret = token(captain, ["read"]);
    for (const id of ["999999", "x1"]) expect((await refusedProblem(sqlite, () => getOne(secret, id), 404)).body.detail).toBe("Approval was not found.");
    const { body } = await refusedProblem(sqlite, () => list(secret, "?status=maybe&release=abc"), 400);
    expect(Object.keys(body.fieldErrors ?? {}).sort()).toEqual(["release", "status"]);
  });
});

describe("POST /api/v1/approvals/{id}/decide: approvals need a person in the browser", () => {
  it("an API token is refused (403, 'Approvals need a person'), even its owner's roles allow deciding; nothing decided", async () => {
    const { rows } = approvals();
    const secret = token(sentinel, ["read", "audit"]);
    const { body, events } = await refusedProblem(sqlite, () => decide(rows[0]!.id, bearer(secret)), 403);
    expect(body).toMatchObject({ code: "FORBIDDEN", detail: APPROVALS_NEED_A_PERSON });
    expect(events.map((e) => e.action)).toEqual(["authz.denied"]);
    expect(findApproval(db, rows[0]!.id)!.status).toBe("pending");
  });

  it("a browser session calling the API is refused too, sent to the approval screen to re-enter the password; nothing decided", async () => {
    const { rows } = approvals();
    actAs(sentinel.id);
    const { body, events } = await refusedProblem(sqlite, () => decide(rows[0]!.id, {}), 403);
    expect(body.code).toBe("FORBIDDEN");
    expect(body.detail).toBe(`Approvals are decided in the browser: open /approvals/${rows[0]!.id} in Flightdeck and confirm with your password. The API never approves or rejects.`);
    expect(events.length).toBe(1);
    expect(findApproval(db, rows[0]!.id)!.status).toBe("pending");
    // Someone who may not decide at all learns that first; an unknown approval is 404.
    actAs(captain.id);
    expect((await refusedProblem(sqlite, () => decide(rows[0]!.id, {}), 403)).body.detail).toBe("You do not have permission to do this (approval.decide).");
    actAs(sentinel.id);
    await refusedProblem(sqlite, () => decide(999999, {}), 404);
  });
});
