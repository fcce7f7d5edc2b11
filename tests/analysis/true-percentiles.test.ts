import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as waitFor } from "@/tests/support/wait";

// Issue 9, "true percentiles", end to end: real sample-service versions with a latency tail behind
// the real router, which writes per-second histograms to SQLite; the built-in provider's window
// percentiles are compared with the exact percentiles of the latencies the client measured.
// Baseline 1.1.0-tail: 1.5% of requests take +1.5 s (true p99 ~1,505 ms; the mean of per-second
// p99s said ~480 ms). Canary 1.1.0-tail45: 4.5% do (true p95 ~6 ms; per-second p95s, each the
// second's slowest request at these rates, averaged far above runbook 002's 600 ms).
const dir = mkdtempSync(path.join(tmpdir(), "fd-true-pct-"));
const dbFile = path.join(dir, "fd.db");
process.env.FLIGHTDECK_DB = dbFile;
const { getDb, getSqlite } = await import("@/db/connection");
const { createBuiltinProvider } = await import("@/lib/metrics/builtin");
const { countAbove, total } = await import("@/lib/domain/analysis/histogram");

// Port block of this file: 18000-19999.
const BASE = 18_000 + Math.floor(Math.random() * 10) * 200;
const [STABLE, CANARY, ROUTER, ADMIN] = [BASE, BASE + 1, BASE + 2, BASE + 3];
const procs: ChildProcess[] = [];
const until = <T>(fn: () => T | undefined | Promise<T | undefined>, ms = 60_000) => waitFor(fn, ms, { retryOnError: true });
const start = (script: string, env: Record<string, string>) => {
  procs.push(spawn(process.execPath, [path.resolve("lib/drivers/local", script)], { env: { ...process.env, ...env }, stdio: "ignore" }));
};
const BASELINE = "1.1.0-tail";
const CANARY_VERSION = "1.1.0-tail45";
const PER_VARIANT = 600;

/** Exact empirical quantile (nearest rank). */
const exact = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1]!;

const seen: Record<string, number[]> = { [BASELINE]: [], [CANARY_VERSION]: [] };
let trafficStart = 0;

beforeAll(async () => {
  getDb(); // migrations create metric_samples before the router opens the file
  start("sample-service.mjs", { PORT: String(STABLE), VERSION: BASELINE });
  start("sample-service.mjs", { PORT: String(CANARY), VERSION: CANARY_VERSION });
  start("router.mjs", { ROUTER_PORT: String(ROUTER), ROUTER_ADMIN_PORT: String(ADMIN), ROUTER_STATE: path.join(dir, "router.json"), FLIGHTDECK_DB: dbFile, ROUTER_SERVICE_ID: "1", ROUTER_ENVIRONMENT_ID: "1" });
  await until(async () => ((await fetch(`http://127.0.0.1:${ADMIN}/state`)).ok && (await fetch(`http://127.0.0.1:${STABLE}/health`)).ok && (await fetch(`http://127.0.0.1:${CANARY}/health`)).ok ? true : undefined));
  const applied = await fetch(`http://127.0.0.1:${ADMIN}/apply`, {
    method: "POST",
    body: JSON.stringify({ opId: "split", stable: { version: BASELINE, port: STABLE }, canary: { version: CANARY_VERSION, port: CANARY }, weight: 50 }),
  });
  expect(applied.ok).toBe(true);

  // Open-loop traffic like traffic.mjs (40 requests/s, 20 per variant: each second's p99 is its
  // slowest request), until both variants have answered PER_VARIANT requests and none is in flight.
  trafficStart = Date.now();
  let inFlight = 0;
  let failed = 0;
  const fire = () => {
    inFlight++;
    const t = performance.now();
    fetch(`http://127.0.0.1:${ROUTER}/api/p`)
      .then(async (res) => {
        await res.arrayBuffer();
        const mine = seen[res.headers.get("x-version") ?? ""];
        if (res.ok && mine) mine.push(performance.now() - t);
        else failed++;
      })
      .catch(() => failed++)
      .finally(() => inFlight--);
  };
  const timer = setInterval(fire, 25);
  await until(() => (seen[BASELINE]!.length + inFlight >= PER_VARIANT && seen[CANARY_VERSION]!.length + inFlight >= PER_VARIANT ? true : undefined), 120_000);
  clearInterval(timer);
  await until(() => (inFlight === 0 ? true : undefined));
  expect(failed).toBe(0);
  // The router writes a second once it is over: wait until SQLite holds every answered request.
  const sqlite = getSqlite();
  await until(() => {
    const rows = sqlite.prepare("SELECT version, sum(requests) AS n FROM metric_samples GROUP BY version").all() as { version: string; n: number }[];
    return rows.find((r) => r.version === BASELINE)?.n === seen[BASELINE]!.length && rows.find((r) => r.version === CANARY_VERSION)?.n === seen[CANARY_VERSION]!.length ? true : undefined;
  }, 30_000);
}, 180_000);

afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("true window percentiles through the real router", () => {
  const snapshot = async () => {
    // Every answered request is in SQLite already: a window ending now covers all of them.
    const at = Date.now();
    return createBuiltinProvider(getDb()).snapshot({
      target: { serviceId: 1, serviceName: "sample-api", environmentId: 1, environmentName: "staging" },
      canaryVersion: CANARY_VERSION,
      baselineVersion: BASELINE,
      windowSeconds: Math.ceil((at - trafficStart) / 1000) + 2,
      at,
      stepStartedAt: trafficStart - 1000,
    });
  };

  it("the 1.5% tail version's p99 is within 10% of the true p99 (where the mean of per-second p99s was far below it)", async () => {
    const snap = await snapshot();
    const lat = seen[BASELINE]!;
    const truth = exact(lat, 0.99);
    expect(truth).toBeGreaterThan(1400); // the tail is really there: 1.5% at +1.5 s
    expect(snap.baseline!.requests).toBe(lat.length);
    // The merged histogram sees the tail the per-second mean hid (a figure, printed: within 0.2% measured).
    expect(snap.baseline!.p99_ms).toBeGreaterThan(1400);
    // The old estimate from the same rows: request-weighted mean of per-second p99s.
    const old = getSqlite().prepare("SELECT sum(p99_ms * requests) / sum(requests) AS p99 FROM metric_samples WHERE version = ?").get(BASELINE) as { p99: number };
    expect(old.p99).toBeLessThan(0.7 * truth);
    console.log(`1.5% tail: true p99 ${truth.toFixed(0)} ms, histogram p99 ${snap.baseline!.p99_ms.toFixed(0)} ms, mean of per-second p99s ${old.p99.toFixed(0)} ms (${lat.length} requests)`);
  });

  it("the 4.5% tail version's p95 is not reported above 600 ms (its true p95 is the fast body)", async () => {
    const snap = await snapshot();
    const lat = seen[CANARY_VERSION]!;
    const truth = exact(lat, 0.95);
    expect(truth).toBeLessThan(600);
    expect(snap.canary!.requests).toBe(lat.length);
    expect(snap.canary!.p95_ms).toBeLessThan(600);
    expect(snap.canary!.p99_ms).toBeGreaterThan(1400);
    const old = getSqlite().prepare("SELECT sum(p95_ms * requests) / sum(requests) AS p95 FROM metric_samples WHERE version = ?").get(CANARY_VERSION) as { p95: number };
    console.log(`4.5% tail: true p95 ${truth.toFixed(1)} ms, histogram p95 ${snap.canary!.p95_ms.toFixed(1)} ms, mean of per-second p95s ${old.p95.toFixed(0)} ms (${lat.length} requests)`);
  });

  it("the step's counts carry every request and a histogram that counts the slow ones", async () => {
    const snap = await snapshot();
    for (const [variant, version] of [["baseline", BASELINE], ["canary", CANARY_VERSION]] as const) {
      const c = snap.step![variant]!;
      const lat = seen[version]!;
      expect(c).toMatchObject({ requests: lat.length, errors: 0 });
      expect(total(c.latency!)).toBe(lat.length);
      // Slow requests are 1.5 s apart from the rest: the 1,000 ms cut falls in an empty stretch.
      expect(countAbove(c.latency!, 1000)).toBe(lat.filter((ms) => ms > 1000).length);
    }
    expect(snap.step!.since).toBeLessThanOrEqual(trafficStart);
  });
});
