import type Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { insertDecision, insertEvidence, saveAnalysisState } from "@/db/queries/analysis";
import { findRollout } from "@/db/queries/rollouts";
import { getRolloutDecisions, getRolloutLive, getRolloutMetrics, startRolloutOp } from "@/lib/api/spec/rollouts";
import type { Actor } from "@/lib/domain/actor";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { auditEvents, insertUserWithRoles, lastAuditId } from "../support/db";
import { apiToken, bearer, freshApiDbPerTest, documented, refusedProblem } from "../support/api-v1";

// The session cookie is next-auth's (the external boundary, doubled); the API is called with real tokens.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const listRoute = await import("@/app/api/v1/rollouts/route");
const liveRoute = await import("@/app/api/v1/rollouts/[id]/live/route");
const metricsRoute = await import("@/app/api/v1/rollouts/[id]/metrics/route");
const decisionsRoute = await import("@/app/api/v1/rollouts/[id]/decisions/route");

let db: Db;
let sqlite: Database.Database;
let captain: Actor;
freshApiDbPerTest((s) => {
  ({ db, sqlite, captain } = s);
});

const token = (scopes: string[], over: Record<string, unknown> = {}) => apiToken(captain, scopes, over);
const ctx = (id: string | number = "") => ({ params: Promise.resolve({ id: String(id) }) });
const STRATEGY = { kind: "canary", steps: [{ weight: 50, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] };
const BODY = { service: "sample-api", environment: "staging", version: "6.0.0", strategy: STRATEGY };

function start(secret: string, body: unknown, headers: Record<string, string> = {}) {
  const req = new Request("http://localhost/api/v1/rollouts", { method: "POST", body: JSON.stringify(body), headers: { ...bearer(secret), "content-type": "application/json", ...headers } });
  return listRoute.POST(req, ctx());
}
const read = (route: { GET: (req: Request, c: ReturnType<typeof ctx>) => Promise<Response> }, secret: string, id: string | number, path: string) =>
  route.GET(new Request(`http://localhost/api/v1/rollouts/${id}/${path}`, { headers: bearer(secret) }), ctx(id));

/** Arranges a rollout in a hold (the worker's first step), as test setup only. */
const markHolding = (id: number, endsAt: number) =>
  sqlite.prepare("update rollouts set status = 'running', phase = 'hold', weight = 50, hold_ends_at = ?, row_version = row_version + 1 where id = ?").run(endsAt, id);

describe("POST /api/v1/rollouts", () => {
  it("starts through startRollout: 202, Location, ETag, the documented Rollout; rollout.start carries the token id", async () => {
    const t = token(["deploy", "read"]);
    const last = lastAuditId(sqlite);
    const res = await start(t.secret, BODY);
    const body = await documented(res, startRolloutOp, 202);
    expect(res.headers.get("location")).toBe(`/api/v1/rollouts/${body.id}`);
    expect(res.headers.get("etag")).toBe(`"v${body.version}"`);
    expect(body).toMatchObject({ service: "sample-api", environment: "staging", toVersion: "6.0.0", status: "running" });
    expect(findRollout(db, body.id)).toMatchObject({ toVersion: "6.0.0", createdBy: captain.id });
    expect(auditEvents(sqlite, last).filter((e) => e.action === "rollout.start")).toEqual([expect.objectContaining({ details: expect.objectContaining({ apiTokenId: t.id }) as unknown })]);
  });

  it("without a strategy: runbook 002's canary (5, 10, 25, 50, 100%)", async () => {
    const res = await start(token(["deploy"]).secret, { service: "sample-api", environment: "staging", version: "6.0.1" });
    const body = await documented(res, startRolloutOp, 202);
    expect(body.plan.flatMap((s) => (s.kind === "shift" ? [s.weight] : []))).toEqual([5, 10, 25, 50, 100]);
  });

  it("Idempotency-Key: a retry gets the same rollout (replayed), another body with it is 422; without a key a second start is 409", async () => {
    const secret = token(["deploy"]).secret;
    const key = { "idempotency-key": "deploy-6.0.0-build-77" };
    const first = await start(secret, BODY, key);
    expect(first.status).toBe(202);
    const id = ((await first.json()) as { id: number }).id;
    const again = await start(secret, BODY, key);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { id: number }).id).toBe(id);
    expect(sqlite.prepare("select count(*) from rollouts").pluck().get()).toBe(1);
    expect((await refusedProblem(sqlite, () => start(secret, { ...BODY, version: "6.0.2" }, key), 422)).body.code).toBe("INVALID");
    const busy = await refusedProblem(sqlite, () => start(secret, { ...BODY, version: "6.0.2" }), 409);
    expect(busy.body.detail).toBe(`Rollout #${id} of sample-api is still running in staging; finish or abort it first.`);
  });

  it("field errors: unknown service and environment by name, bad version and strategy; 400 problems, nothing written", async () => {
    const secret = token(["deploy"]).secret;
    const names = await refusedProblem(sqlite, () => start(secret, { ...BODY, service: "nope" }), 400);
    expect(names.body.fieldErrors).toEqual({ service: ['There is no service named "nope".'] });
    const env = await refusedProblem(sqlite, () => start(secret, { ...BODY, environment: "moon" }), 400);
    expect(env.body.fieldErrors).toEqual({ environment: ['There is no environment named "moon".'] });
    const bad = await refusedProblem(sqlite, () => start(secret, { ...BODY, version: "no spaces", strategy: { kind: "canary", steps: [] }, force: true }), 400);
    expect(Object.keys(bad.body.fieldErrors ?? {}).sort()).toEqual(["_form", "strategy", "version"]);
  });

  it("403: a token without the deploy scope, and one limited to production starting in staging (authz.denied, token id)", async () => {
    const reader = token(["read"]);
    const scope = await refusedProblem(sqlite, () => start(reader.secret, BODY), 403);
    expect(scope.body.detail).toBe("This API token's scopes do not allow this (rollout.start).");
    const prod = token(["deploy"], { environment: "production" });
    const { body, events } = await refusedProblem(sqlite, () => start(prod.secret, BODY), 403);
    expect(body.detail).toBe("This API token is limited to the production environment; it cannot act on staging.");
    expect(events).toEqual([expect.objectContaining({ action: "authz.denied", details: expect.objectContaining({ apiTokenId: prod.id }) as unknown })]);
  });

  it("a policy block in production: 403 BLOCKED with reasons[] and requires[] verbatim", async () => {
    setSecurityGate(insertUserWithRoles(db, "sec@example.test", ["security"]), { mode: "enforce" });
    const secret = token(["deploy"], { environment: "production" }).secret;
    const { body, events } = await refusedProblem(sqlite, () => start(secret, { ...BODY, environment: "production" }), 403);
    expect(body).toMatchObject({ code: "BLOCKED", reasons: ["Production actions require explicit override"], requires: [expect.stringMatching(/^override:deploy\..+@production$/)] });
    expect(events.map((e) => e.action)).toEqual(["gate.blocked"]);
    expect(events[0]!.details).toMatchObject({ reasons: body.reasons, requires: body.requires });
  });
});

describe("GET /api/v1/rollouts/{id}/live, /metrics, /decisions", () => {
  async function started(): Promise<number> {
    const res = await start(token(["deploy"]).secret, BODY);
    return ((await res.json()) as { id: number }).id;
  }

  it("live: the page's view with hold left, log lines after `after`, heldBy and the analysis verdict", async () => {
    const id = await started();
    const secret = token(["read"]).secret;
    markHolding(id, Date.now() + 60_000);
    sqlite.prepare("insert into rollout_log (rollout_id, at, level, message) values (?, ?, 'info', 'shift 50%'), (?, ?, 'info', 'holding')").run(id, Date.now(), id, Date.now());
    const live = await documented(await read(liveRoute, secret, id, "live"), getRolloutLive, 200);
    expect(live).toMatchObject({ id, status: "running", weight: 50, phase: "hold", heldBy: null, verdict: null });
    expect(live.holdLeftMs).toBeGreaterThan(0);
    expect(live.holdLeftMs).toBeLessThanOrEqual(60_000);
    expect(live.log.map((l) => l.message)).toEqual(expect.arrayContaining(["shift 50%", "holding"]));
    const lastLog = live.log.at(-1)!.id;
    const newer = await documented(await read(liveRoute, secret, id, `live?after=${lastLog}`), getRolloutLive, 200);
    expect(newer.log).toEqual([]);

    saveAnalysisState(db, { rolloutId: id, state: "{}", verdict: "inconclusive", reasons: JSON.stringify(["Not enough canary requests yet."]), health: null, score: null, canary: null, baseline: null, evaluatedAt: Date.now(), evidence: null });
    const judged = await documented(await read(liveRoute, secret, id, "live"), getRolloutLive, 200);
    expect(judged.verdict).toBe("inconclusive");
  });

  it("metrics (window) and decisions: the documented shapes; the decision sentence as recorded", async () => {
    const id = await started();
    const secret = token(["read"]).secret;
    saveAnalysisState(db, { rolloutId: id, state: "{}", verdict: "fail", reasons: JSON.stringify(["5xx rate too high"]), health: "unhealthy", score: 10, canary: null, baseline: null, evaluatedAt: Date.now(), evidence: null });
    insertDecision(db, {
      rolloutId: id,
      at: Date.now(),
      kind: "rollback_immediate",
      verdict: "fail",
      ruleId: "error-rate",
      source: "router",
      metric: "error_rate",
      comparison: "absolute",
      canaryValue: 12.5,
      baselineValue: 0.1,
      threshold: 5,
      windowSeconds: 60,
      forMs: 0,
      satisfiedAt: Date.now(),
      sentence: "Rolled back: 5xx rate 12.5% > 5% for 0 s.",
      outcome: "rollback",
      evidence: null,
    });
    // A minute of the router's samples and the analysis' evidence rows, as the worker stores them (test setup).
    const second = Math.floor(Date.now() / 1000);
    const sample = sqlite.prepare("insert into metric_samples (service_id, environment_id, second, variant, version, requests, errors_5xx, p50_ms, p95_ms, p99_ms, mean_ms) values (?, ?, ?, 'canary', '6.0.0', 10, ?, 5, 9, 12, 6)");
    const row = findRollout(db, id)!;
    for (let s = second - 60; s <= second; s++) sample.run(row.serviceId, row.environmentId, s, s % 10 === 0 ? 2 : 0);
    insertEvidence(db, { rolloutId: id, at: Date.now(), rules: JSON.stringify([["002-5xx-5", Math.log(50), 0.1, 0.2, 0.05, null]]) });
    const metrics = await documented(await read(metricsRoute, secret, id, "metrics?window=1h"), getRolloutMetrics, 200);
    expect(metrics).toMatchObject({ rolloutId: id, window: "1h", analysis: { verdict: "fail", reasons: ["5xx rate too high"] } });
    expect(metrics.series.error_rate.length).toBeGreaterThan(0);
    expect(metrics.evidence.map((e) => e.ruleId)).toContain("002-5xx-5");
    expect(metrics.decisions.map((d) => d.sentence)).toEqual(["Rolled back: 5xx rate 12.5% > 5% for 0 s."]);
    const decisions = await documented(await read(decisionsRoute, secret, id, "decisions"), getRolloutDecisions, 200);
    expect(decisions).toMatchObject({ rolloutId: id, version: "6.0.0", decisions: [{ sentence: "Rolled back: 5xx rate 12.5% > 5% for 0 s.", canary: 12.5, threshold: 5 }] });
    const { body } = await refusedProblem(sqlite, () => read(metricsRoute, secret, id, "metrics?window=2d"), 400);
    expect(Object.keys(body.fieldErrors ?? {})).toEqual(["window"]);
  });

  it("404 problems for unknown rollouts; a token without read 403", async () => {
    const secret = token(["read"]).secret;
    for (const [route, path] of [[liveRoute, "live"], [metricsRoute, "metrics"], [decisionsRoute, "decisions"]] as const) {
      const { body } = await refusedProblem(sqlite, () => read(route, secret, 999999, path), 404);
      expect(body.detail).toBe("Rollout was not found.");
    }
    const id = await started();
    expect((await refusedProblem(sqlite, () => read(liveRoute, token(["deploy"]).secret, id, "live"), 403)).body.code).toBe("FORBIDDEN");
    expect(getRolloutLive.permission).toBe("rollout.read");
  });
});
