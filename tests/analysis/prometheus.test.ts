import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killDataPlane } from "@/tests/support/data-plane";
import { until as waitFor } from "@/tests/support/wait";

// The same analysis through a real Prometheus (Debian's 2.42, started here on 127.0.0.1) that
// scrapes the sample service's versions' /metrics every second (REQUIREMENTS I1, DESIGN §4).
const until = <T>(fn: () => T | undefined | Promise<T | undefined>, ms = 30_000) => waitFor(fn, ms, { retryOnError: true });
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
const dir = mkdtempSync(path.join(tmpdir(), "fd-prom-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

const { getDb } = await import("@/db/client");
const { seedDemo } = await import("@/db/seed");
const { updateService, findServiceByName, findEnvironmentByName } = await import("@/db/queries/catalog");
const { findRollout } = await import("@/db/queries/rollouts");
const { putServiceAnalysis, listDecisions } = await import("@/db/queries/analysis");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { startWorker } = await import("@/lib/jobs/worker");
const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");
const { createPrometheusProvider } = await import("@/lib/metrics/prometheus");
const { evaluate, initialAnalysisState } = await import("@/lib/domain/analysis/evaluate");
const { analysisConfigSchema } = await import("@/lib/domain/analysis/config");
const { quantile, total } = await import("@/lib/domain/analysis/histogram");

// Port block of this file: 28000-29999 (routers); Prometheus on a free port.
const routerPort = 28_000 + Math.floor(Math.random() * 10) * 200;
const slots = [routerPort + 10, routerPort + 11];
let promPort = 0;
let promUrl = "";
let prometheus: ChildProcess | null = null;
let runner: ReturnType<typeof startWorker>;
let traffic: ChildProcess;
let serviceId = 0;
let stagingId = 0;

const wrap = <T,>(fn: () => T | undefined | Promise<T | undefined>) => async () => fn();

const captain = () => {
  const u = findUserByEmail(getDb(), "captain@flightdeck.local")!;
  return { kind: "user" as const, id: u.id, email: u.email, name: u.name, roles: rolesOfUser(getDb(), u.id) as never[] };
};
const canary = (steps: [number, number][]) => ({ kind: "canary", steps: steps.map(([weight, holdSeconds]) => ({ weight, holdSeconds })) }) as never;
const analysis = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ provider: { kind: "prometheus", url: promUrl, timeoutMs: 1000 }, timeScale: 0.02, windowSeconds: 10, minRequests: 10, judge: { enabled: false }, ...extra });

beforeAll(async () => {
  if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install prometheus (.ci/run does)`);
  promPort = routerPort + 50; // inside this file's block: an ephemeral port could be a version slot
  promUrl = `http://127.0.0.1:${promPort}`;
  const config = path.join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: sample-api",
      "    static_configs:",
      `      - targets: [${slots.map((p) => `'127.0.0.1:${p}'`).join(", ")}]`,
      "",
    ].join("\n"),
  );
  mkdirSync(path.join(dir, "tsdb"));
  const promLog = path.join(dir, "prometheus.log");
  prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ["ignore", "ignore", openSync(promLog, "a")] });
  try {
    await until(wrap(async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined)), 30_000);
  } catch (err) {
    // Say why: Prometheus' own last words (a port in use, a bad flag) beat "timed out".
    throw new Error(`Prometheus on ${promUrl} never became ready (exit ${prometheus.exitCode ?? "none yet"}): ${readFileSync(promLog, "utf8").slice(-1500)}`, { cause: err });
  }

  const db = getDb();
  await seedDemo(db);
  const svc = findServiceByName(db, "sample-api")!;
  updateService(db, svc.id, svc.rowVersion, { ...svc, deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort, healthPath: "/health" }), updatedAt: Date.now() });
  serviceId = svc.id;
  stagingId = findEnvironmentByName(db, "staging")!.id;
  putServiceAnalysis(db, svc.id, analysis(), Date.now());
  runner = startWorker(db, { owner: "prometheus-test-worker" });
  const { rollout } = startRollout(captain(), { serviceId, environmentId: stagingId, version: "1.0.0", strategy: canary([[100, 0]]), idempotencyKey: "base" });
  await until(() => (findRollout(getDb(), rollout.id)!.status === "succeeded" ? true : undefined), 60_000);
  traffic = spawn(process.execPath, ["lib/drivers/local/traffic.mjs"], { env: { ...process.env, TRAFFIC_URL: `http://127.0.0.1:${routerPort}/api/t`, TRAFFIC_RPS: "60" }, stdio: "ignore" });
}, 90_000);

afterAll(async () => {
  traffic?.kill("SIGKILL");
  await runner?.stop();
  prometheus?.kill("SIGTERM");
  killDataPlane(dir);
});

describe("analysis through a real Prometheus", () => {
  it("Prometheus scrapes the sample service's /metrics and the provider reads both variants", async () => {
    const provider = createPrometheusProvider(analysisConfigSchema.parse(JSON.parse(analysis())).provider as never);
    const target = { serviceId, serviceName: "sample-api", environmentId: stagingId, environmentName: "staging" };
    const got = await until(
      wrap(async () => {
        const at = Date.now();
        const s = await provider.snapshot({ target, canaryVersion: "1.0.0", baselineVersion: "1.0.0", windowSeconds: 10, at, stepStartedAt: at - 8000 });
        const ready = s.canary && s.canary.request_rate > 30 && (s.series?.canary.latency.length ?? 0) >= 5 && s.step?.canary?.latency && (s.chart?.length ?? 0) >= 10;
        return ready ? { s, at } : undefined;
      }),
      30_000,
    );
    const { s: snap, at } = got;
    expect(snap.canary!.request_rate).toBeGreaterThan(20);
    expect(snap.canary!.error_rate).toBe(0);
    expect(snap.canary!.p95_ms).toBeGreaterThan(0);
    expect(snap.canary!.cpu_pct).not.toBeNull();
    expect(snap.canary!.memory_pct!).toBeGreaterThan(0);
    // Range queries give the Mann-Whitney judge per-second samples: the same version scores 100.
    expect(snap.series!.canary.latency.length).toBeGreaterThanOrEqual(5);
    expect(snap.series!.baseline.errors.every((e) => e === 0)).toBe(true);
    const e = evaluate(analysisConfigSchema.parse({ judge: { minPoints: 5 }, minRequests: 10 }), initialAnalysisState(), { ok: true, snapshot: snap }, Date.now());
    expect(e.score).toBe(100);
    // The step's counts: increase() over the 8 s since the step began, latency from the summed
    // `le` buckets (at 60 requests/s: ~480 requests, all in the 5-10 ms buckets).
    expect(snap.step!.since).toBe(at - 8000);
    const step = snap.step!.canary!;
    expect(step.requests).toBeGreaterThan(100);
    expect(step.errors).toBe(0);
    expect(total(step.latency!)).toBeGreaterThan(0);
    expect(step.latency!.bounds.at(-1)).toBe(Infinity);
    expect(step.latency!.bounds).toContain(5); // le="0.005" s in ms
    expect(quantile(step.latency!, 0.95)).toBeGreaterThan(0);
    expect(snap.step!.baseline!.requests).toBe(step.requests); // the same version on both sides
    // Per-second chart rows of the window for both variants, ready for insertProviderSamples.
    const rows = snap.chart!;
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(["canary", "baseline"]));
    for (const r of rows) {
      expect(r).toMatchObject({ serviceId, environmentId: stagingId, version: "1.0.0" });
      expect(Number.isInteger(r.second)).toBe(true);
      expect(r.second).toBeGreaterThan(Math.floor(at / 1000) - 10);
      expect(r.second).toBeLessThanOrEqual(Math.floor(at / 1000));
    }
    expect(rows.some((r) => r.requests > 20 && r.p95Ms !== null && r.p95Ms > 0 && r.p95Ms < 100)).toBe(true);
  }, 60_000);

  it("a bad canary rolls back by itself on Prometheus' numbers", async () => {
    const { rollout } = startRollout(captain(), { serviceId, environmentId: stagingId, version: "1.1.0-bad", strategy: canary([[50, 600], [100, 0]]), idempotencyKey: "bad" });
    const done = await until(() => {
      const r = findRollout(getDb(), rollout.id)!;
      return ["rolled_back", "paused", "failed"].includes(r.status) ? r : undefined;
    }, 60_000);
    expect(done.status).toBe("rolled_back");
    const [d] = listDecisions(getDb(), rollout.id);
    expect(d).toMatchObject({ verdict: "fail", metric: "error_rate" });
    expect(d!.kind).toMatch(/^rollback_/);
    expect(d!.canaryValue!).toBeGreaterThan(5);
    expect(done.reason).toMatch(/canary 5xx [\d.]+% .*> [\d.]+%/);
  }, 90_000);

  it("Prometheus down, an empty result or NaN is never a pass", async () => {
    const cfg = analysisConfigSchema.parse(JSON.parse(analysis()));
    const target = { serviceId, serviceName: "sample-api", environmentId: stagingId, environmentName: "staging" };
    const q = { target, canaryVersion: "1.0.0", baselineVersion: "1.0.0", windowSeconds: 10, at: Date.now(), stepStartedAt: Date.now() - 10_000 };
    const run = async (provider: ReturnType<typeof createPrometheusProvider>, query = q) => {
      try {
        return evaluate(cfg, initialAnalysisState(), { ok: true, snapshot: await provider.snapshot(query) }, Date.now());
      } catch (err) {
        return evaluate(cfg, initialAnalysisState(), { ok: false, error: (err as Error).message }, Date.now());
      }
    };
    const down = await run(createPrometheusProvider({ kind: "prometheus", url: `http://127.0.0.1:${routerPort + 51}`, queries: {}, timeoutMs: 500 }));
    expect(down.verdict).toBe("error");
    expect(down.reasons[0]).toMatch(/^metrics provider failed: Prometheus at http:\/\/127\.0\.0\.1:\d+ unreachable/);
    const empty = await run(createPrometheusProvider({ kind: "prometheus", url: promUrl, queries: {}, timeoutMs: 1000 }), { ...q, canaryVersion: "9.9.9-never-deployed" });
    expect(empty.verdict).toBe("inconclusive");
    expect(empty.reasons[0]).toBe("no canary requests in this step yet"); // the step's counts come back empty, not an error
    const nan = await run(createPrometheusProvider({ kind: "prometheus", url: promUrl, queries: { p95_ms: "0/0" }, timeoutMs: 1000 }));
    expect(nan.verdict).toBe("error");
    expect(nan.reasons[0]).toMatch(/NaN for canary p95/);
    const badQuery = await run(createPrometheusProvider({ kind: "prometheus", url: promUrl, queries: { p95_ms: "sum(" }, timeoutMs: 1000 }));
    expect(badQuery.verdict).toBe("error");
    expect(badQuery.reasons[0]).toMatch(/Prometheus answered HTTP 400/);
  }, 60_000);

  it("with Prometheus unreachable a rollout holds, never promotes, and is paused after the error limit", async () => {
    const dead = `http://127.0.0.1:${routerPort + 52}`;
    putServiceAnalysis(getDb(), serviceId, JSON.stringify({ ...JSON.parse(analysis()), provider: { kind: "prometheus", url: dead, timeoutMs: 300 }, errorLimit: 4 }), Date.now());
    const { rollout } = startRollout(captain(), { serviceId, environmentId: stagingId, version: "1.2.0", strategy: canary([[10, 1], [100, 0]]), idempotencyKey: "down" });
    const paused = await until(() => {
      const r = findRollout(getDb(), rollout.id)!;
      return r.status === "paused" || r.status === "succeeded" ? r : undefined;
    }, 45_000);
    expect(paused.status).toBe("paused");
    expect(paused.weight).toBe(10); // the 1 s hold is long over: it held instead of advancing
    expect(paused.reason).toMatch(/^paused: 4 consecutive analysis errors; last: metrics provider failed: Prometheus at http:\/\/127\.0\.0\.1:\d+ unreachable/);
    expect(listDecisions(getDb(), rollout.id)[0]).toMatchObject({ kind: "pause_errors", verdict: "error", outcome: "paused for the captain" });
  }, 60_000);
});
