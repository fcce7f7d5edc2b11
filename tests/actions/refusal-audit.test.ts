import type Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { setUserDisabled } from "@/db/queries/users";
import { flushRefusalSummaries, resetRefusalCap } from "@/lib/audit/refusal";
import { verifyAuditChain } from "@/lib/audit/verify";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, snapshot, useFreshDb } from "../support/db";
import { actAs } from "../support/request-double";

vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});
vi.mock("next/cache", async () => {
  const d = await import("../support/request-double");
  return { revalidatePath: d.revalidateDouble, revalidateTag: d.revalidateDouble };
});

const { createReleaseAction } = await import("@/app/(dashboard)/releases/actions");
const { setGateAction } = await import("@/app/(dashboard)/security/actions");
const { deleteProbeAction } = await import("@/app/(dashboard)/health/actions");
const { startRolloutAction } = await import("@/app/(dashboard)/rollouts/actions");
const { createUserAction } = await import("@/app/(dashboard)/settings/users/actions");
const rolloutRoute = await import("@/app/api/rollouts/[id]/route");

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
const ids: Record<string, number> = {};

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  ids.captain = insertUserWithRoles(db, "cap@example.test", ["release_captain"]).id;
  ids.viewer = insertUserWithRoles(db, "view@example.test", ["viewer"]).id;
  ids.security = insertUserWithRoles(db, "sec@example.test", ["security"]).id;
  ids.oncall = insertUserWithRoles(db, "oncall@example.test", ["oncall"]).id;
  ids.gone = insertUserWithRoles(db, "gone@example.test", ["admin"]).id;
  setUserDisabled(db, ids.gone, true);
});
afterEach(() => {
  vi.useRealTimers();
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
});

/** Runs a refused call: nothing but audit events may change; returns the result and the new events. */
async function refused<R>(call: () => Promise<R>) {
  const before = snapshot(sqlite);
  const last = lastAuditId(sqlite);
  const result = await call();
  const after = snapshot(sqlite);
  for (const t of Object.keys(before)) if (t !== "audit_events") expect(after[t], `${t} changed`).toEqual(before[t]);
  return { result, events: auditEvents(sqlite, last) };
}

const releaseForm = (over: Record<string, unknown> = {}) => ({
  serviceId: findServiceByName(db, "sample-api")!.id,
  version: "2.0.0",
  commitSha: "abcdef1234",
  changeLog: "Adds the payments endpoint.",
  rollbackPlan: "Redeploy the previous version.",
  strategy: { kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] },
  ...over,
});

describe("every refusal of a server action is audited once (issue 10)", () => {
  it("no session: UNAUTHENTICATED, an action.refused event by anonymous with the client address", async () => {
    actAs(null, "198.51.100.23");
    const { result, events } = await refused(() => createReleaseAction(null, releaseForm()));
    expect(result).toMatchObject({ ok: false, code: "UNAUTHENTICATED", message: "Please sign in." });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "action.refused",
      actorId: null,
      actorLabel: "anonymous",
      subjectType: "action",
      subjectId: "release.create",
      details: { code: "UNAUTHENTICATED", message: "Please sign in.", address: "198.51.100.23" },
    });
    expect(events[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a disabled account: refused, and the event names the account (under no roles)", async () => {
    actAs(ids.gone!);
    const { result, events } = await refused(() => createUserAction(null, { email: "x@example.test", name: "X", roles: ["admin"] }));
    expect(result).toMatchObject({ ok: false, code: "UNAUTHENTICATED", message: "Your account is disabled." });
    expect(events).toEqual([expect.objectContaining({ action: "action.refused", actorId: ids.gone, actorLabel: "gone@example.test", roles: [], subjectId: "user.create" })]);
    expect(events[0]!.details).toMatchObject({ code: "UNAUTHENTICATED", fields: ["email", "name", "roles"] });
  });

  it("a disabled account opening a page: redirected to sign-in and audited", async () => {
    const { requireActor } = await import("@/lib/auth/session");
    actAs(ids.gone!);
    const { result, events } = await refused(() => requireActor().then(() => "allowed", (err: unknown) => (err instanceof Error ? err.message : String(err))));
    expect(result).toBe("NEXT_REDIRECT");
    expect(events).toEqual([expect.objectContaining({ action: "action.refused", actorLabel: "gone@example.test", subjectId: "page", details: expect.objectContaining({ code: "UNAUTHENTICATED" }) as unknown })]);
  });

  it("FORBIDDEN stays authz.denied, with the permission", async () => {
    actAs(ids.viewer!);
    const { result, events } = await refused(() => createReleaseAction(null, releaseForm()));
    expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(events).toEqual([expect.objectContaining({ action: "authz.denied", subjectId: "release.create", actorLabel: "view@example.test" })]);
    expect(events[0]!.details).toMatchObject({ code: "FORBIDDEN", permission: "release.create" });
  });

  it("INVALID input: audited with the field names and the invalid ones, never the values", async () => {
    actAs(ids.captain!);
    const form = new FormData();
    for (const [k, v] of Object.entries(releaseForm({ changeLog: `secret-${"x".repeat(10_485_760)}` }))) form.append(k, typeof v === "string" ? v : JSON.stringify(v));
    const { result, events } = await refused(() => createReleaseAction(null, form));
    expect(result).toMatchObject({ ok: false, code: "INVALID", fieldErrors: { changeLog: ["At most 10,000 characters (this has 10,485,767)."] } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "action.refused", details: { code: "INVALID", invalid: ["changeLog"], fields: ["serviceId", "version", "commitSha", "changeLog", "rollbackPlan", "strategy"] } });
    const raw = sqlite.prepare("SELECT details FROM audit_events WHERE id = ?").pluck().get(events[0]!.id) as string;
    expect(raw).not.toContain("secret-");
    expect(raw.length).toBeLessThan(1000);
  });

  it("NOT_FOUND and CONFLICT from a service are audited by the wrapper", async () => {
    actAs(ids.oncall!);
    const gone = await refused(() => deleteProbeAction(null, { probeId: 999_999 }));
    expect(gone.result).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(gone.events).toEqual([expect.objectContaining({ action: "action.refused", subjectId: "probe.delete", details: expect.objectContaining({ code: "NOT_FOUND" }) as unknown })]);
    actAs(ids.security!);
    const stale = await refused(() => setGateAction(null, { mode: "enforce", rowVersion: 999 }));
    expect(stale.result).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(stale.events).toEqual([expect.objectContaining({ action: "action.refused", subjectId: "gate.set", details: expect.objectContaining({ code: "CONFLICT" }) as unknown })]);
  });

  it("a refusal the service audited itself (BLOCKED -> gate.blocked) is not audited twice", async () => {
    actAs(ids.security!);
    expect(await setGateAction(null, { mode: "lockdown", reason: "incident drill" })).toMatchObject({ ok: true });
    actAs(ids.captain!);
    const env = findEnvironmentByName(db, "staging")!;
    const service = findServiceByName(db, "sample-api")!;
    const { result, events } = await refused(() => startRolloutAction(null, { serviceId: service.id, environmentId: env.id, version: "9.9.9", strategy: { kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }, idempotencyKey: "fuzz-key-0001" }));
    expect(result).toMatchObject({ ok: false, code: "BLOCKED" });
    expect(events.map((e) => e.action)).toEqual(["gate.blocked"]);
  });

  it("route handlers: a 404 and a request without a session are audited through the same helper", async () => {
    actAs(ids.viewer!);
    const ctx = { params: Promise.resolve({ id: "../../etc/passwd" }) };
    const notFound = await refused(() => rolloutRoute.GET(new Request("http://localhost/api/rollouts/x?after=1&token=s3cret"), ctx));
    expect(notFound.result.status).toBe(404);
    expect(notFound.events).toEqual([expect.objectContaining({ action: "action.refused", subjectId: "rollout.read", details: expect.objectContaining({ code: "NOT_FOUND", fields: ["after", "token"] }) as unknown })]);
    expect(JSON.stringify(notFound.events[0]!.details)).not.toContain("s3cret");
    actAs(null);
    const anon = await refused(() => rolloutRoute.GET(new Request("http://localhost/api/rollouts/1", { headers: { "x-forwarded-for": "192.0.2.1" } }), ctx));
    expect(anon.result.status).toBe(401);
    expect(anon.events).toEqual([expect.objectContaining({ action: "action.refused", actorLabel: "anonymous", details: expect.objectContaining({ code: "UNAUTHENTICATED", address: "192.0.2.1" }) as unknown })]);
  });
});

describe("refusal rate cap (virtual clock)", () => {
  it("a flood writes `limit` events per actor and minute, then one audit.refusals_suppressed with the count and the window", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"], now: Date.UTC(2026, 5, 10, 12, 0, 0) });
    resetRefusalCap(db, { limit: 5, windowMs: 60_000 });
    const start = lastAuditId(sqlite);
    actAs(ids.viewer!);
    for (let i = 0; i < 12; i++) {
      const r = await createReleaseAction(null, releaseForm());
      expect(r).toMatchObject({ ok: false, code: "FORBIDDEN" });
      vi.advanceTimersByTime(1000);
    }
    // Another actor is not silenced by the viewer's flood.
    actAs(null, "192.0.2.50");
    expect(await createReleaseAction(null, {})).toMatchObject({ code: "UNAUTHENTICATED" });
    let events = auditEvents(sqlite, start);
    expect(events.map((e) => e.action)).toEqual([...Array<string>(5).fill("authz.denied"), "action.refused"]);
    // The window closes; the timer writes the summary without waiting for another refusal.
    vi.advanceTimersByTime(60_000);
    events = auditEvents(sqlite, start);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({
      action: "audit.refusals_suppressed",
      actorId: ids.viewer,
      subjectType: "refusals",
      subjectId: `user:${ids.viewer}`,
      details: {
        count: 7,
        limit: 5,
        codes: { FORBIDDEN: 7 },
        actions: { "release.create": 7 },
        window: { from: "2026-06-10T12:00:00.000Z", to: "2026-06-10T12:01:00.000Z", seconds: 60 },
      },
    });
    expect(flushRefusalSummaries(db)).toBe(0);
    // A new window: audited one by one again.
    actAs(ids.viewer!);
    const last = lastAuditId(sqlite);
    await createReleaseAction(null, releaseForm());
    expect(auditEvents(sqlite, last).map((e) => e.action)).toEqual(["authz.denied"]);
  });
});
