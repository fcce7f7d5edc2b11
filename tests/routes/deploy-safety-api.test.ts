import type Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { findValidation, insertProbeResults, insertWindow, listProbes } from "@/db/queries/governance";
import { findRollbackRequest } from "@/db/queries/rollback-requests";
import { findRollout, upsertServiceEnvState } from "@/db/queries/rollouts";
import { jobs } from "@/db/schema";
import * as spec from "@/lib/api/spec/deploy-safety";
import type { Actor } from "@/lib/domain/actor";
import { createReleaseInput } from "@/lib/domain/release/inputs";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { DEFAULT_ROLLOUT_STRATEGY, planOf, strategySchema } from "@/lib/domain/rollout/strategy";
import { VALIDATION_JOB } from "@/lib/jobs/kinds";
import { validationHandlers } from "@/lib/jobs/handlers/validation";
import { createRelease } from "@/lib/services/releases/create-release";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { writeTransaction } from "@/db/transaction";
import { apiToken, bearer, documented, freshApiDbPerTest, refusedProblem } from "../support/api-v1";
import { auditEvents, insertUserWithRoles, lastAuditId, snapshot } from "../support/db";
import { releaseForm } from "../support/governance";

// The session cookie is next-auth's (the external boundary, doubled); the API is called with real tokens.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const routes = {
  validationStart: await import("@/app/api/deploy-safety/validations/start/route"),
  validation: await import("@/app/api/deploy-safety/validations/[id]/route"),
  validationRun: await import("@/app/api/deploy-safety/validations/[id]/run/route"),
  health: await import("@/app/api/deploy-safety/health/route"),
  probe: await import("@/app/api/deploy-safety/probes/[id]/route"),
  canaryStart: await import("@/app/api/deploy-safety/canary/start/route"),
  canary: await import("@/app/api/deploy-safety/canary/[environment]/route"),
  canaryPromote: await import("@/app/api/deploy-safety/canary/promote/route"),
  rollbackPlan: await import("@/app/api/deploy-safety/rollback/plan/route"),
  rollbackCreate: await import("@/app/api/deploy-safety/rollback/create/route"),
  rollback: await import("@/app/api/deploy-safety/rollback/[id]/route"),
  rollbackExecute: await import("@/app/api/deploy-safety/rollback/[id]/execute/route"),
  gateStatus: await import("@/app/api/deploy-safety/security-gate/status/route"),
  gateMode: await import("@/app/api/deploy-safety/security-gate/mode/route"),
  overrideCreate: await import("@/app/api/deploy-safety/security-gate/override/route"),
  overrides: await import("@/app/api/deploy-safety/security-gate/overrides/route"),
  override: await import("@/app/api/deploy-safety/security-gate/override/[id]/route"),
  v1Rollout: await import("@/app/api/v1/rollouts/[id]/route"),
};

let db: Db;
let sqlite: Database.Database;
let captain: Actor;
let security: Actor;
let lead: Actor;
let oncall: Actor;
let stagingId = 0;
let productionId = 0;
let serviceId = 0;

freshApiDbPerTest((s) => {
  ({ db, sqlite, captain } = s);
  security = insertUserWithRoles(db, "sec@example.test", ["security"]);
  lead = insertUserWithRoles(db, "lead@example.test", ["eng_lead"]);
  oncall = insertUserWithRoles(db, "oncall@example.test", ["oncall"]);
  stagingId = findEnvironmentByName(db, "staging")!.id;
  productionId = findEnvironmentByName(db, "production")!.id;
  serviceId = findServiceByName(db, "sample-api")!.id;
});

const token = (who: Actor, scopes: string[], environment?: string) => apiToken(who, scopes, { environment }).secret;

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** One in-process call of a route handler with a Bearer token (and a JSON body when given). */
function call(handler: Handler, method: string, path: string, secret: string, opts: { body?: unknown; params?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...bearer(secret), ...opts.headers };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const req = new Request(`http://localhost/api/deploy-safety${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return handler(req, { params: Promise.resolve(opts.params ?? {}) });
}

/** A refused call: a problem+json answer, and nothing but audit events (and token use) changed. */
const refused = (run: () => Promise<Response>, status: number) => refusedProblem(sqlite, run, status);

const count = (table: string) => sqlite.prepare(`select count(*) from ${table}`).pluck().get() as number;
const enforce = () => setSecurityGate(security, { mode: "enforce" });
const lockdown = (reason: string) => setSecurityGate(security, { mode: "lockdown", reason });

let keys = 0;
/** A rollout started through the service, as test setup. */
function started(environmentId: number, version: string): number {
  const strategy = { kind: "canary", steps: [{ weight: 50, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] };
  return startRollout(captain, startRolloutInput.parse({ serviceId, environmentId, version, strategy, idempotencyKey: `ds-test-${++keys}` })).rollout.id;
}
const setStatus = (id: number, status: string) => sqlite.prepare("update rollouts set status = ?, row_version = row_version + 1 where id = ?").run(status, id);

describe("validations (runbook 003: start, run, check gate status)", () => {
  it("start by version (v-prefixed), get, run while pending does nothing new, run after it finished starts a new one", async () => {
    const release = createRelease(captain, createReleaseInput.parse(releaseForm(db, { version: "2.0.0" })));
    const secret = token(captain, ["read", "deploy"]);
    const res = await call(routes.validationStart.POST, "POST", "/validations/start", secret, { body: { releaseId: "v2.0.0", environment: "staging" } });
    const v = await documented(res, spec.startValidationOp, 202);
    expect(res.headers.get("location")).toBe(`/api/deploy-safety/validations/${v.id}`);
    expect(v).toMatchObject({ release: { id: release.id, version: "2.0.0", service: "sample-api" }, environment: "staging", status: "pending", counts: { ok: false } });
    expect(v.gates.map((g) => [g.key, g.status])).toEqual([
      ["preflight", "pending"],
      ["health", "pending"],
      ["security", "pending"],
    ]);
    const event = auditEvents(sqlite).findLast((e) => e.action === "validation.start")!;
    expect(event).toMatchObject({ subjectId: String(release.id), environment: "staging", details: expect.objectContaining({ validationId: v.id }) as unknown });

    const got = await documented(await call(routes.validation.GET, "GET", `/validations/${v.id}`, secret, { params: { id: String(v.id) } }), spec.getValidationOp, 200);
    expect(got).toEqual(v);

    const again = await call(routes.validationRun.POST, "POST", `/validations/${v.id}/run`, secret, { params: { id: String(v.id) } });
    expect((await documented(again, spec.runValidationOp, 202)).id).toBe(v.id);
    expect(count("validations")).toBe(1);

    // The worker runs the gates (its handler, as the worker calls it): a fresh release has not passed pre-flight.
    const job = db.select().from(jobs).where(eq(jobs.idempotencyKey, `validation:${v.id}`)).get()!;
    await validationHandlers(db)[VALIDATION_JOB]!({ job, signal: new AbortController().signal, commit: (fn) => writeTransaction(db, fn) });
    const failed = await documented(await call(routes.validation.GET, "GET", `/validations/${v.id}`, secret, { params: { id: String(v.id) } }), spec.getValidationOp, 200);
    expect(failed).toMatchObject({ status: "failed", counts: { ok: false, reason: "The release validation failed; fix the failing gates and run it again." } });
    expect(failed.gates.find((g) => g.key === "preflight")).toMatchObject({ status: "failed", detail: expect.stringMatching(/^not passed: /) as unknown });

    const rerun = await call(routes.validationRun.POST, "POST", `/validations/${v.id}/run`, secret, { params: { id: String(v.id) } });
    const fresh = await documented(rerun, spec.runValidationOp, 202);
    expect(fresh.id).not.toBe(v.id);
    expect(rerun.headers.get("location")).toBe(`/api/deploy-safety/validations/${fresh.id}`);
    expect(findValidation(db, fresh.id)).toMatchObject({ releaseId: release.id, environmentId: stagingId, status: "pending" });
    const older = await documented(await call(routes.validation.GET, "GET", `/validations/${v.id}`, secret, { params: { id: String(v.id) } }), spec.getValidationOp, 200);
    expect(older.counts).toEqual({ ok: false, reason: `Validation #${fresh.id} is newer; it is the one that counts.` });
  });

  it("field errors for an unknown release or environment, 404 for an unknown validation, 403 outside the token's environment", async () => {
    const release = createRelease(captain, createReleaseInput.parse(releaseForm(db)));
    const secret = token(captain, ["read", "deploy"]);
    const start = (body: unknown, s = secret) => () => call(routes.validationStart.POST, "POST", "/validations/start", s, { body });
    expect((await refused(start({ releaseId: "v9.9.9", environment: "staging" }), 400)).body.fieldErrors).toEqual({ releaseId: ["There is no release with version v9.9.9."] });
    expect((await refused(start({ releaseId: 999, environment: "staging" }), 400)).body.fieldErrors).toEqual({ releaseId: ["There is no release #999."] });
    expect((await refused(start({ releaseId: release.id, environment: "qa" }), 400)).body.fieldErrors).toEqual({ environment: ['There is no environment named "qa".'] });
    expect(Object.keys((await refused(start({ environment: "staging", extra: 1 }), 400)).body.fieldErrors ?? {}).sort()).toEqual(["_form", "releaseId"]);
    for (const id of ["999", "x"]) {
      expect((await refused(() => call(routes.validation.GET, "GET", `/validations/${id}`, secret, { params: { id } }), 404)).body.detail).toBe("Validation was not found.");
    }
    const prodOnly = token(captain, ["deploy"], "production");
    const { body, events } = await refused(start({ releaseId: release.id, environment: "staging" }, prodOnly), 403);
    expect(body).toMatchObject({ code: "FORBIDDEN", detail: "This API token is limited to the production environment; it cannot act on staging." });
    expect(events.map((e) => e.action)).toEqual(["authz.denied"]);
  });
});

describe("health and probes", () => {
  it("overallHealth is the worst environment's; a probe with its history, newest first", async () => {
    const [stagingProbe, productionProbe] = [stagingId, productionId].map((env) => listProbes(db).find((p) => p.environmentId === env)!);
    const now = Date.now();
    insertProbeResults(db, [
      { probeId: stagingProbe!.id, at: now - 2000, ok: true, status: 200, ms: 12, detail: "200 OK" },
      { probeId: stagingProbe!.id, at: now - 1000, ok: true, status: 200, ms: 9, detail: "200 OK" },
    ]);
    const secret = token(captain, ["read"]);
    const all = await documented(await call(routes.health.GET, "GET", "/health", secret), spec.getHealthOp, 200);
    expect(all.overallHealth).toBe("degraded");
    expect(all.environments.map((e) => [e.name, e.overallHealth])).toEqual([
      ["staging", "healthy"],
      ["production", "degraded"],
    ]);
    expect(all.environments[1]!.probes[0]).toMatchObject({ id: productionProbe!.id, health: "degraded", why: "no result yet", checkedAt: null, service: "sample-api" });
    const staging = await documented(await call(routes.health.GET, "GET", "/health?environment=staging", secret), spec.getHealthOp, 200);
    expect(staging).toMatchObject({ overallHealth: "healthy", environments: [{ name: "staging", probes: [{ health: "healthy", why: "answered in 9 ms", checkedAt: now - 1000 }] }] });

    const probe = await documented(await call(routes.probe.GET, "GET", `/probes/${stagingProbe!.id}?limit=1`, secret, { params: { id: String(stagingProbe!.id) } }), spec.getProbeOp, 200);
    expect(probe).toMatchObject({ name: "sample-api health", environment: "staging", health: "healthy", expectStatus: 200, history: [{ at: now - 1000, ok: true, ms: 9 }] });
    expect(probe.history).toHaveLength(1);
  });

  it("404 for an unknown probe, field errors for bad query parameters", async () => {
    const secret = token(captain, ["read"]);
    expect((await refused(() => call(routes.probe.GET, "GET", "/probes/999", secret, { params: { id: "999" } }), 404)).body.detail).toBe("Probe was not found.");
    expect(Object.keys((await refused(() => call(routes.probe.GET, "GET", "/probes/1?limit=0", secret, { params: { id: "1" } }), 400)).body.fieldErrors ?? {})).toEqual(["limit"]);
    expect((await refused(() => call(routes.health.GET, "GET", "/health?environment=qa", secret), 400)).body.fieldErrors).toEqual({ environment: ['There is no environment named "qa".'] });
  });
});

describe("canary start, status and promote", () => {
  const startBody = { releaseId: "v1.2.3", environment: "staging", deploymentId: "deploy-001" };
  const config = { initialPercentage: 10, incrementPercentage: 10, incrementInterval: 300000, maxPercentage: 100 };

  it("runbook 003's body: version and config, 202 with the rollout exactly as GET /api/v1/rollouts/{id}; the same deploymentId again starts nothing", async () => {
    const secret = token(captain, ["read", "deploy"]);
    const body = { version: "1.2.3", environment: "staging", deploymentId: "deploy-001", config };
    const res = await call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body });
    const rollout = await documented(res, spec.startCanaryOp, 202);
    expect(res.headers.get("location")).toBe(`/api/v1/rollouts/${rollout.id}`);
    expect(res.headers.get("etag")).toBe(`"v${rollout.version}"`);
    expect(rollout).toMatchObject({ service: "sample-api", environment: "staging", toVersion: "1.2.3", status: "running" });
    expect(rollout.plan).toEqual(planOf(strategySchema.parse({ kind: "canary", ...config })));
    expect(rollout.plan.filter((s) => s.kind === "shift").map((s) => (s.kind === "shift" ? s.weight : 0))).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    const viaV1 = await routes.v1Rollout.GET(new Request(`http://localhost/api/v1/rollouts/${rollout.id}`, { headers: { authorization: `Bearer ${secret}` } }), { params: Promise.resolve({ id: String(rollout.id) }) });
    expect(await viaV1.json()).toEqual(rollout);

    const retried = await call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body });
    expect((await documented(retried, spec.startCanaryOp, 202)).id).toBe(rollout.id);
    expect(count("rollouts")).toBe(1);
    // The same deployment id for another version is not a retry.
    const other = await refused(() => call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body: { ...body, version: "1.2.4" } }), 409);
    expect(other.body.fieldErrors).toEqual({ deploymentId: ["Use a new deploymentId for a new deployment."] });
  });

  it("a release by version brings its version and strategy; without one the Rollouts page's default; Idempotency-Key dedups without a deploymentId", async () => {
    const release = createRelease(captain, createReleaseInput.parse(releaseForm(db, { version: "1.2.3" })));
    const secret = token(captain, ["read", "deploy"]);
    const fromRelease = await documented(await call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body: startBody }), spec.startCanaryOp, 202);
    expect(fromRelease).toMatchObject({ toVersion: "1.2.3", releaseId: null });
    expect(fromRelease.plan).toEqual(planOf(strategySchema.parse(JSON.parse(release.strategy))));

    const key = { "idempotency-key": "prod-start-1" };
    const prod = { environment: "production", version: "1.3.0" };
    const first = await documented(await call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body: prod, headers: key }), spec.startCanaryOp, 202);
    expect(first.plan).toEqual(planOf(strategySchema.parse(DEFAULT_ROLLOUT_STRATEGY)));
    const replay = await call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body: prod, headers: key });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await documented(replay, spec.startCanaryOp, 202)).id).toBe(first.id);
    expect(count("rollouts")).toBe(2);
  });

  it("field errors: config checked as the strategy it becomes, version or releaseId, unknown service, unknown fields", async () => {
    const secret = token(captain, ["deploy"]);
    const start = (body: unknown) => () => call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body });
    const badConfig = await refused(start({ version: "1.0.0", environment: "staging", config: { ...config, initialPercentage: 0 } }), 400);
    expect(badConfig.body.fieldErrors).toEqual({ config: ["Initial percentage: Weights start at 1%."] });
    expect((await refused(start({ version: "1.0.0", releaseId: 3, environment: "staging" }), 400)).body.fieldErrors).toEqual({ version: ["Give either version or releaseId."] });
    expect((await refused(start({ environment: "staging" }), 400)).body.fieldErrors).toEqual({ version: ["Give either version or releaseId."] });
    expect((await refused(start({ version: "1.0.0", environment: "staging", service: "nope" }), 400)).body.fieldErrors).toEqual({ service: ['There is no service named "nope".'] });
    expect((await refused(start({ version: "1.0.0", environment: "staging", strategy: { kind: "canary", steps: [] } }), 400)).body.fieldErrors).toEqual({ strategy: ["Steps: Give at least one step."] });
    expect(Object.keys((await refused(start({ version: "1.0.0", environment: "staging", force: true }), 400)).body.fieldErrors ?? {})).toEqual(["_form"]);
  });

  it("enforce mode: production without an override is 403 BLOCKED with reasons and requires verbatim; an override created through the API lets it start", async () => {
    enforce();
    const secret = token(captain, ["read", "deploy"]);
    const body = { ...startBody, releaseId: undefined, version: "1.2.3", environment: "production", deploymentId: "prod-deploy-001" };
    const { body: problem, events } = await refused(() => call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body }), 403);
    expect(problem).toMatchObject({ code: "BLOCKED", reasons: ["Production actions require explicit override"], requires: ["override:deploy.canary.start@production"] });
    expect(events.map((e) => e.action)).toEqual(["gate.blocked"]);
    expect(events[0]!.details).toMatchObject({ reasons: problem.reasons, requires: problem.requires });

    const leadSecret = token(lead, ["read", "security"]);
    const overrideBody = { action: "deploy.canary.start", environment: "production", reason: "Approved by CTO for release v1.2.3", approver: "lead", ttlMinutes: 60 };
    const created = await call(routes.overrideCreate.POST, "POST", "/security-gate/override", leadSecret, { body: overrideBody });
    expect((await documented(created, spec.createOverrideOp, 201)).approver).toBe("lead@example.test");

    const ok = await documented(await call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body }), spec.startCanaryOp, 202);
    expect(ok).toMatchObject({ environment: "production", toVersion: "1.2.3" });
  });

  it("lockdown blocks with its reason; a token limited to another environment is 403 before anything", async () => {
    lockdown("Security incident investigation");
    const secret = token(captain, ["deploy"]);
    const { body } = await refused(() => call(routes.canaryStart.POST, "POST", "/canary/start", secret, { body: { version: "1.0.0", environment: "staging" } }), 403);
    expect(body).toMatchObject({ code: "BLOCKED", reasons: ["Action blocked by security gate: lockdown (Security incident investigation)"] });
    const prodOnly = token(captain, ["deploy"], "production");
    const other = await refused(() => call(routes.canaryStart.POST, "POST", "/canary/start", prodOnly, { body: { version: "1.0.0", environment: "staging" } }), 403);
    expect(other.body).toMatchObject({ code: "FORBIDDEN", detail: "This API token is limited to the production environment; it cannot act on staging." });
  });

  it("GET /canary/{environment}: none, then degraded until analysed, the analysis' class with its latest decision, unhealthy while rolling back", async () => {
    const secret = token(captain, ["read", "control"]);
    const status = async () => documented(await call(routes.canary.GET, "GET", "/canary/staging", secret, { params: { environment: "staging" } }), spec.getCanaryOp, 200);
    expect(await status()).toEqual({ environment: "staging", status: "none", why: "No rollout is live in staging.", rollout: null, analysis: null, latestDecision: null });

    const id = started(stagingId, "2.0.0");
    expect(await status()).toMatchObject({ status: "degraded", rollout: { id }, analysis: null, why: `Rollout #${id} has no canary analysis verdict yet; no evidence is never healthy.` });

    // The analysis' evaluation and a decision, as the worker stores them (test setup).
    const now = Date.now();
    sqlite
      .prepare("insert into analysis_state (rollout_id, state, verdict, reasons, health, score, canary, baseline, evaluated_at, evaluations) values (?, '{}', 'pass', ?, 'healthy', 97, ?, null, ?, 1)")
      .run(id, JSON.stringify(["error rate 0.1% < 0.5%"]), JSON.stringify({ requests: 120, error_rate: 0.1, p99_ms: 80, cpu_pct: null }), now);
    sqlite
      .prepare("insert into analysis_decisions (rollout_id, at, kind, verdict, rule_id, metric, canary_value, baseline_value, threshold, window_seconds, satisfied_at, sentence, outcome) values (?, ?, 'hold', 'inconclusive', 'r1', 'error_rate', 0.6, 0.1, 0.5, 30, ?, 'Held: error rate 0.6% is degraded.', 'pause')")
      .run(id, now - 5000, now - 5000);
    const healthy = await status();
    expect(healthy).toMatchObject({ status: "healthy", analysis: { verdict: "pass", health: "healthy", score: 97, canary: { requests: 120, cpu_pct: null } }, latestDecision: { kind: "hold", sentence: "Held: error rate 0.6% is degraded.", canary: 0.6 } });

    setStatus(id, "rolling_back");
    expect((await status()).status).toBe("unhealthy");
    expect((await refused(() => call(routes.canary.GET, "GET", "/canary/qa", secret, { params: { environment: "qa" } }), 404)).body.detail).toBe("Environment was not found.");
  });

  it("promote: the live rollout of the environment, 202 + Location; none live is 409", async () => {
    const secret = token(captain, ["read", "control"]);
    const promote = () => call(routes.canaryPromote.POST, "POST", "/canary/promote", secret, { body: { environment: "staging" } });
    expect((await refused(promote, 409)).body.detail).toBe("No rollout is live in staging.");
    const id = started(stagingId, "2.0.0");
    const before = findRollout(db, id)!.rowVersion;
    const res = await promote();
    expect((await documented(res, spec.promoteCanaryOp, 202)).id).toBe(id);
    expect(res.headers.get("location")).toBe(`/api/v1/rollouts/${id}`);
    expect(findRollout(db, id)!.rowVersion).toBe(before + 1);
    expect(auditEvents(sqlite).findLast((e) => e.action === "rollout.promote")).toMatchObject({ subjectId: String(id) });

    const prod = started(productionId, "2.0.0");
    enforce();
    const blocked = await refused(() => call(routes.canaryPromote.POST, "POST", "/canary/promote", secret, { body: { environment: "production", service: "sample-api" } }), 403);
    expect(blocked.body).toMatchObject({ code: "BLOCKED", reasons: ["Production actions require explicit override"], requires: [expect.stringMatching(/^override:deploy\..+@production$/)] });
    expect(findRollout(db, prod)!.status).toBe("running");
  });
});

describe("rollback: plan, create, execute", () => {
  /** sample-api ran 1.2.2, then 1.2.3 succeeded: the plan redeploys 1.2.2. */
  function history(environmentId: number) {
    upsertServiceEnvState(db, { serviceId, environmentId, currentVersion: "1.2.2", at: Date.now() });
    const id = started(environmentId, "1.2.3");
    setStatus(id, "succeeded");
    upsertServiceEnvState(db, { serviceId, environmentId, currentVersion: "1.2.3", at: Date.now() });
    return id;
  }
  const create = (secret: string, body: Record<string, unknown>) => call(routes.rollbackCreate.POST, "POST", "/rollback/create", secret, { body });
  const execute = (secret: string, id: number) => call(routes.rollbackExecute.POST, "POST", `/rollback/${id}/execute`, secret, { params: { id: String(id) } });

  it("plan (read only), a mismatching toVersion or fromVersion is 409 naming the plan, create 201 with its audit event, execute twice rolls back once", async () => {
    history(stagingId);
    const secret = token(captain, ["read", "rollback"]);
    const before = snapshot(sqlite);
    const plan = await documented(await call(routes.rollbackPlan.GET, "GET", "/rollback/plan?environment=staging&service=sample-api", secret), spec.planRollbackOp, 200);
    expect(plan).toEqual({ ok: true, environment: "staging", service: "sample-api", kind: "redeploy", from: "1.2.3", to: "1.2.2", source: "last known good before the current version", steps: expect.any(Array) as unknown });
    expect(snapshot(sqlite).rollback_requests).toEqual(before.rollback_requests);

    const body = { environment: "staging", fromVersion: "v1.2.3", toVersion: "v1.2.2", reason: "High error rate after deployment" };
    const wrongTo = await refused(() => create(secret, { ...body, toVersion: "1.2.1" }), 409);
    expect(wrongTo.body).toMatchObject({ code: "CONFLICT", detail: "The rollback plan goes from 1.2.3 to 1.2.2 (last known good before the current version). It does not lead to 1.2.1.", fieldErrors: { toVersion: ["The plan leads to 1.2.2."] } });
    expect((await refused(() => create(secret, { ...body, fromVersion: "1.2.0" }), 409)).body.fieldErrors).toEqual({ fromVersion: ["The plan rolls back from 1.2.3."] });

    const last = lastAuditId(sqlite);
    const res = await create(secret, body);
    const request = await documented(res, spec.createRollbackOp, 201);
    expect(res.headers.get("location")).toBe(`/api/deploy-safety/rollback/${request.id}`);
    expect(request).toMatchObject({ environment: "staging", service: "sample-api", fromVersion: "1.2.3", toVersion: "1.2.2", kind: "redeploy", status: "created", reason: body.reason, createdBy: "cap@example.test", rolloutId: null });
    expect(auditEvents(sqlite, last).filter((e) => e.action !== "action.refused")).toEqual([
      expect.objectContaining({ action: "rollback.create", subjectType: "rollback_request", subjectId: String(request.id), environment: "staging", details: expect.objectContaining({ from: "1.2.3", to: "1.2.2" }) as unknown }),
    ]);
    const got = await documented(await call(routes.rollback.GET, "GET", `/rollback/${request.id}`, secret, { params: { id: String(request.id) } }), spec.getRollbackOp, 200);
    expect(got).toEqual(request);

    const rollouts = count("rollouts");
    const executed = await execute(secret, request.id);
    const rollout = await documented(executed, spec.executeRollbackOp, 202);
    expect(executed.headers.get("location")).toBe(`/api/v1/rollouts/${rollout.id}`);
    expect(rollout).toMatchObject({ environment: "staging", fromVersion: "1.2.3", toVersion: "1.2.2" });
    expect(findRollbackRequest(db, request.id)).toMatchObject({ rolloutId: rollout.id, executedBy: captain.id });
    const again = await execute(secret, request.id);
    expect((await documented(again, spec.executeRollbackOp, 202)).id).toBe(rollout.id);
    expect(count("rollouts")).toBe(rollouts + 1);
    expect(auditEvents(sqlite).filter((e) => e.action === "rollback.execute")).toEqual([expect.objectContaining({ subjectId: String(request.id), details: expect.objectContaining({ rolloutId: rollout.id }) as unknown })]);
    expect((await documented(await call(routes.rollback.GET, "GET", `/rollback/${request.id}`, secret, { params: { id: String(request.id) } }), spec.getRollbackOp, 200)).status).toBe("executed");
  });

  it("production in enforce mode: execute is 403 BLOCKED until on-call's deploy.rollback override; lockdown blocks with its reason", async () => {
    history(productionId);
    enforce();
    const secret = token(captain, ["read", "rollback"]);
    const request = await documented(await create(secret, { environment: "production", toVersion: "1.2.2", reason: "Rollback for INC-123" }), spec.createRollbackOp, 201);
    const blocked = await refused(() => execute(secret, request.id), 403);
    expect(blocked.body).toMatchObject({ code: "BLOCKED", reasons: ["Production actions require explicit override"], requires: ["override:deploy.rollback@production"] });
    expect(findRollbackRequest(db, request.id)!.executedAt).toBeNull();

    const oncallSecret = token(oncall, ["security"]);
    const override = { action: "deploy.rollback", environment: "production", reason: "Emergency: P1 incident INC-123", ttlMinutes: 30 };
    await documented(await call(routes.overrideCreate.POST, "POST", "/security-gate/override", oncallSecret, { body: override }), spec.createOverrideOp, 201);

    lockdown("Security incident investigation");
    expect((await refused(() => execute(secret, request.id), 403)).body.reasons).toEqual(["Action blocked by security gate: lockdown (Security incident investigation)"]);
    enforce();
    expect((await documented(await execute(secret, request.id), spec.executeRollbackOp, 202)).toVersion).toBe("1.2.2");
  });

  it("a live rollout is aborted: kind abort_live without versions named; executing twice aborts once", async () => {
    const id = started(stagingId, "2.0.0");
    const secret = token(captain, ["read", "rollback"]);
    const request = await documented(await create(secret, { environment: "staging", reason: "bad canary" }), spec.createRollbackOp, 201);
    expect(request).toMatchObject({ kind: "abort_live", fromVersion: "2.0.0", toVersion: null, source: `live rollout #${id}` });
    expect((await documented(await execute(secret, request.id), spec.executeRollbackOp, 202))).toMatchObject({ id, status: "rolling_back" });
    const version = findRollout(db, id)!.rowVersion;
    expect((await documented(await execute(secret, request.id), spec.executeRollbackOp, 202)).id).toBe(id);
    expect(findRollout(db, id)!.rowVersion).toBe(version);
  });

  it("no plan is 409 with its reason; 404 for an unknown request; 403 outside the token's environment", async () => {
    const secret = token(captain, ["read", "rollback"]);
    expect((await refused(() => create(secret, { environment: "staging", reason: "why not" }), 409)).body.detail).toBe("No earlier version of sample-api in staging is recorded; set LAST_GOOD_COMMIT to name one.");
    const plan = await documented(await call(routes.rollbackPlan.GET, "GET", "/rollback/plan?environment=staging", secret), spec.planRollbackOp, 200);
    expect(plan).toEqual({ ok: false, environment: "staging", service: "sample-api", reason: "No earlier version of sample-api in staging is recorded; set LAST_GOOD_COMMIT to name one." });
    expect((await refused(() => execute(secret, 999), 404)).body.detail).toBe("Rollback request was not found.");
    expect(Object.keys((await refused(() => create(secret, { environment: "staging" }), 400)).body.fieldErrors ?? {})).toEqual(["reason"]);
    history(stagingId);
    const request = await documented(await create(secret, { environment: "staging", reason: "High error rate" }), spec.createRollbackOp, 201);
    const prodOnly = token(captain, ["rollback"], "production");
    expect((await refused(() => execute(prodOnly, request.id), 403)).body.code).toBe("FORBIDDEN");
    expect((await refused(() => create(prodOnly, { environment: "staging", reason: "High error rate" }), 403)).body.code).toBe("FORBIDDEN");
  });
});

describe("security gate: status, mode, overrides", () => {
  it("status, lockdown with its reason and back (Security team only)", async () => {
    const secret = token(security, ["read", "security"]);
    const status = async () => documented(await call(routes.gateStatus.GET, "GET", "/security-gate/status", secret), spec.getSecurityStatusOp, 200);
    expect(await status()).toMatchObject({ mode: "monitor", threatLevel: "none", lockdownReason: null, activeOverrides: 0, freezes: [] });
    const now = Date.now();
    const freeze = insertWindow(db, { kind: "freeze", name: "Launch freeze", recurrence: "none", startsAt: now - 60_000, endsAt: now + 3600_000, createdBy: security.id, createdAt: now });
    expect((await status()).freezes).toEqual([{ id: freeze.id, name: "Launch freeze", startsAt: now - 60_000, endsAt: now + 3600_000 }]);
    const set = (body: unknown, s = secret) => call(routes.gateMode.POST, "POST", "/security-gate/mode", s, { body });
    expect((await refused(() => set({ mode: "lockdown" }), 409)).body.detail).toBe("Give a reason for entering lockdown.");
    const locked = await documented(await set({ mode: "lockdown", reason: "Security incident investigation" }), spec.setSecurityModeOp, 200);
    expect(locked).toMatchObject({ mode: "lockdown", lockdownReason: "Security incident investigation" });
    expect(auditEvents(sqlite).findLast((e) => e.action === "gate.mode_set")!.details).toMatchObject({ after: { mode: "lockdown" }, reason: "Security incident investigation" });
    expect((await documented(await set({ mode: "enforce", threatLevel: "low" }), spec.setSecurityModeOp, 200))).toMatchObject({ mode: "enforce", threatLevel: "low", lockdownReason: null });
    expect(Object.keys((await refused(() => set({ mode: "panic" }), 400)).body.fieldErrors ?? {})).toEqual(["mode"]);
    expect((await refused(() => set({ mode: "monitor" }, token(captain, ["read"])), 403)).body.code).toBe("FORBIDDEN");
  });

  it("overrides: create (201, the caller is the approver), list the active ones, get, revoke (DELETE), refusals", async () => {
    const secret = token(lead, ["read", "security"]);
    const body = { action: "deploy.canary.start", environment: "production", reason: "Approved by CTO for release v1.2.3", ttlMinutes: 60 };
    const res = await call(routes.overrideCreate.POST, "POST", "/security-gate/override", secret, { body: { ...body, approver: "lead@example.test" } });
    const o = await documented(res, spec.createOverrideOp, 201);
    expect(res.headers.get("location")).toBe(`/api/deploy-safety/security-gate/override/${o.id}`);
    expect(o).toMatchObject({ action: "deploy.canary.start", environment: "production", approver: "lead@example.test", ttlMinutes: 60, status: "active", revokedAt: null });
    expect(o.expiresAt - o.createdAt).toBe(60 * 60_000);

    const list = await documented(await call(routes.overrides.GET, "GET", "/security-gate/overrides", secret), spec.listOverridesOp, 200);
    expect(list.items).toEqual([o]);
    const status = await documented(await call(routes.gateStatus.GET, "GET", "/security-gate/status", secret), spec.getSecurityStatusOp, 200);
    expect(status.activeOverrides).toBe(1);

    const someoneElse = await refused(() => call(routes.overrideCreate.POST, "POST", "/security-gate/override", secret, { body: { ...body, approver: "eng-lead" } }), 400);
    expect(someoneElse.body.fieldErrors).toEqual({ approver: ["The approver is whoever creates the override (you, lead@example.test); ask eng-lead to create it, or leave approver out."] });
    const short = await refused(() => call(routes.overrideCreate.POST, "POST", "/security-gate/override", secret, { body: { ...body, reason: "because" } }), 400);
    expect(short.body.fieldErrors).toEqual({ reason: ["Explain why (at least 10 characters), with a ticket reference, e.g. INC-123."] });
    expect(short.events.map((e) => e.action)).toEqual(["override.refused"]);
    const oncallSecret = token(oncall, ["security"]);
    expect((await refused(() => call(routes.overrideCreate.POST, "POST", "/security-gate/override", oncallSecret, { body }), 403)).body.detail).toBe("On-call may override deploy.rollback in production only.");

    const params = { id: String(o.id) };
    expect(await documented(await call(routes.override.GET, "GET", `/security-gate/override/${o.id}`, secret, { params }), spec.getOverrideOp, 200)).toEqual(o);
    const revoked = await documented(await call(routes.override.DELETE, "DELETE", `/security-gate/override/${o.id}`, secret, { params }), spec.revokeOverrideOp, 200);
    expect(revoked).toMatchObject({ id: o.id, status: "revoked", revokedAt: expect.any(Number) as unknown });
    expect(auditEvents(sqlite).findLast((e) => e.action === "override.revoke")).toMatchObject({ subjectId: String(o.id), environment: "production" });
    expect((await refused(() => call(routes.override.DELETE, "DELETE", `/security-gate/override/${o.id}`, secret, { params }), 409)).body.detail).toBe("This override is already revoked.");
    expect((await documented(await call(routes.overrides.GET, "GET", "/security-gate/overrides", secret), spec.listOverridesOp, 200)).items).toEqual([]);
    expect((await refused(() => call(routes.override.DELETE, "DELETE", "/security-gate/override/999", secret, { params: { id: "999" } }), 404)).body.detail).toBe("Override was not found.");
    const stagingOnly = token(lead, ["security"], "staging");
    expect((await refused(() => call(routes.overrideCreate.POST, "POST", "/security-gate/override", stagingOnly, { body }), 403)).body.code).toBe("FORBIDDEN");
  });
});
