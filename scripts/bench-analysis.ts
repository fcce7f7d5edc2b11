// Canary-analysis benchmarks (npm run bench, third part). Prints a table and appends JSON lines
// {"metric","value","unit","target","better"} to bench-results.jsonl.
//   1. detection overhead: rule duration satisfied -> router sends 0% to the canary (real worker,
//      local driver, router, traffic), p95 over >= 20 runs (target <= 2 s; Flagger checks every 60 s)
//   2. metric ingest into SQLite: the router's batched upsert (target >= 100,000 samples/s)
//   3. chart data for a 2-hour canary at 1 s resolution over HTTP from `next start` (target p95 <= 100 ms);
//      its loader alone in process too (p95 over merged per-second latency histograms), without a build
//   4. sample-to-browser latency with 50 live views polling like the page does (target p95 <= 1 s)
// Runs with `tsx --conditions=react-server`; the HTTP parts of 3 and 4 need a production build (`next build`).
// `--chart` runs part 3 only.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { UPSERT_SAMPLE_SQL, sparseOf } from "@/lib/drivers/local/latency-hist.mjs";
import { benchReporter, pct } from "./bench-report";

const quick = process.argv.includes("--quick");
const chartOnly = process.argv.includes("--chart");
const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-analysis-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";
const procs: ChildProcess[] = [];

const { report, rows } = benchReporter({ quick, width: 48 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const { getDb, getSqlite } = await import("@/db/connection");
const { seedDemo } = await import("@/db/seed");
const { findServiceByName, findEnvironmentByName, updateService } = await import("@/db/queries/catalog");
const { findRollout, insertRollout } = await import("@/db/queries/rollouts");
const { putServiceAnalysis, listDecisions } = await import("@/db/queries/analysis");
const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");
const db = getDb();
await seedDemo(db);
const svc = findServiceByName(db, "sample-api")!;
const staging = findEnvironmentByName(db, "staging")!;
const production = findEnvironmentByName(db, "production")!;

async function detectionOverhead() {
  const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
  const { startWorker } = await import("@/lib/jobs/worker");
  const routerPort = 52_000 + Math.floor(Math.random() * 40) * 200;
  const fresh = findServiceByName(db, "sample-api")!;
  updateService(db, fresh.id, fresh.rowVersion, { ...fresh, deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort, healthPath: "/health" }), updatedAt: Date.now() });
  // Runbook 002's critical row (5xx > 5% for 1 min -> immediate) at 1/50 of its duration.
  putServiceAnalysis(db, svc.id, JSON.stringify({ timeScale: 0.02, windowSeconds: 5, minRequests: 10, rules: [{ id: "002-5xx-5", metric: "error_rate", threshold: 5, forSeconds: 60, action: "rollback_immediate" }], health: { enabled: false }, judge: { enabled: false } }), Date.now());
  const u = findUserByEmail(db, "captain@flightdeck.local")!;
  const captain = { kind: "user" as const, id: u.id, email: u.email, name: u.name, roles: rolesOfUser(db, u.id) as never[] };
  const runner = startWorker(db, { owner: "bench-analysis" });
  const until = async (id: number, statuses: string[]) => {
    const end = Date.now() + 60_000;
    while (!statuses.includes(findRollout(db, id)!.status)) {
      if (Date.now() > end) throw new Error(`rollout ${id} stuck in ${findRollout(db, id)!.status}`);
      await sleep(20);
    }
  };
  const canary = (steps: [number, number][]) => ({ kind: "canary" as const, steps: steps.map(([weight, holdSeconds]) => ({ weight, holdSeconds })) });
  const first = startRollout(captain, { serviceId: svc.id, environmentId: staging.id, version: "1.0.0", strategy: canary([[100, 0]]), idempotencyKey: "bench-base" });
  await until(first.rollout.id, ["succeeded"]);
  procs.push(spawn(process.execPath, ["lib/drivers/local/traffic.mjs"], { env: { ...process.env, TRAFFIC_URL: `http://127.0.0.1:${routerPort}/api/bench`, TRAFFIC_RPS: "100" }, stdio: "ignore" }));
  await sleep(1500);
  const runs = quick ? 5 : 20;
  const overhead: number[] = [];
  const shiftToZero: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { rollout } = startRollout(captain, { serviceId: svc.id, environmentId: staging.id, version: `1.1.${i}-bad`, strategy: canary([[50, 600], [100, 0]]), idempotencyKey: `bench-bad-${i}` });
    await until(rollout.id, ["rolled_back", "failed", "paused"]);
    const d = listDecisions(db, rollout.id)[0];
    const state = (await (await fetch(`http://127.0.0.1:${routerPort + 1}/state`)).json()) as { ops: { opId: string; at: number; weight: number }[] };
    const zero = state.ops.find((o) => o.opId.startsWith(`rollout:${rollout.id}:rollback`));
    const shift = state.ops.find((o) => o.opId.startsWith(`rollout:${rollout.id}:step:1`));
    if (!d || !zero) throw new Error(`run ${i}: no decision or no rollback op (status ${findRollout(db, rollout.id)!.status})`);
    overhead.push(zero.at - d.satisfiedAt);
    if (shift) shiftToZero.push(zero.at - shift.at);
  }
  await runner.stop();
  report("analysis.detection_overhead.p95", pct(overhead, 95), "ms", 2000, "lower");
  report("analysis.detection_overhead.p50", pct(overhead, 50), "ms", null, "lower");
  report("analysis.detection_overhead.max", Math.max(...overhead), "ms", null, "lower");
  report("analysis.bad_canary_50pct_to_0pct.p50", pct(shiftToZero, 50), "ms", null, "lower");
  rows.push(`(${runs} runs; detection overhead = router op "weight 0" time - the decision's satisfiedAt, i.e. first breaching evaluation + rule duration 1.2 s;`);
  rows.push(` end to end, "50pct_to_0pct" is the router's 50% op to its 0% op: samples reaching SQLite (1 s flush), the minimum-sample guard, the 1.2 s duration)`);
}

function ingestRate() {
  const file = path.join(dir, "ingest.db");
  const { openDatabase } = awaitOpen;
  openDatabase(file).sqlite.close();
  // The router's connection and statement (lib/drivers/local/router.mjs): WAL, batched upserts.
  const sqlite = new Sqlite(file);
  sqlite.pragma("journal_mode = WAL");
  const insert = sqlite.prepare(UPSERT_SAMPLE_SQL);
  const hists = Array.from({ length: 64 }, (_, k) => JSON.stringify(sparseOf(secondOfLatencies(k))));
  const batch = sqlite.transaction((from: number, n: number) => {
    for (let i = from; i < from + n; i++) insert.run(1 + (i % 50), 1, 1_700_000_000 + Math.floor(i / 100), i % 2 ? "canary" : "baseline", "1.0.0", 20, 1, 5, 8, 12, 6, hists[i % 64]!);
  });
  const total = quick ? 200_000 : 1_000_000;
  const size = 5000;
  const t = performance.now();
  for (let i = 0; i < total; i += size) batch(i, size);
  const seconds = (performance.now() - t) / 1000;
  sqlite.close();
  report("analysis.ingest.samples_per_s", total / seconds, "samples/s", 100_000, "higher");
  rows.push(`(${total} per-second variant samples with a 20-request latency histogram each, batches of ${size} in one transaction each, WAL, the router's upsert statement)`);
}

async function signIn(base: string): Promise<string> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
    body: new URLSearchParams({ csrfToken, email: "oncall@flightdeck.local", password: "flightdeck-demo", json: "true" }).toString(),
  });
  const session = res.headers.getSetCookie().find((c) => c.includes("session-token"));
  if (!session) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return `${jar}; ${session.split(";")[0]}`;
}

/** One second of the sample service as the router sees it at 20 requests/s: 5 ms +-30%, now and then a slow one. */
function secondOfLatencies(seed: number): number[] {
  let x = seed + 1;
  const r = () => ((x = (x * 16807) % 2147483647) - 1) / 2147483646;
  return Array.from({ length: 20 }, () => 5 * (0.7 + 0.6 * r()) + (r() < 0.015 ? 1500 : 0));
}

async function httpFigures() {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  const base = { serviceId: svc.id, strategy: JSON.stringify({ kind: "canary", steps: [{ weight: 50, holdSeconds: 7200 }] }), plan: JSON.stringify([{ kind: "deploy" }, { kind: "shift", weight: 50, holdMs: 7_200_000 }, { kind: "promote" }]), status: "running", stepIndex: 1, phase: "hold" as const, weight: 50, holdEndsAt: now + 3_600_000, updatedAt: now };
  // A 2-hour canary in staging at 1 s resolution: 7,200 seconds x 2 variants of router samples and of /proc samples.
  const long = insertRollout(db, { ...base, environmentId: staging.id, fromVersion: "2.0.0", toVersion: "2.1.0", idempotencyKey: "bench-2h", createdAt: now - 7_200_000 });
  const sqlite = getSqlite();
  const ins = sqlite.prepare(
    "INSERT OR REPLACE INTO metric_samples (service_id, environment_id, second, variant, version, requests, errors_5xx, p50_ms, p95_ms, p99_ms, mean_ms, latency_hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const hists = Array.from({ length: 64 }, (_, k) => JSON.stringify(sparseOf(secondOfLatencies(k))));
  const res = sqlite.prepare("INSERT OR REPLACE INTO resource_samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  sqlite.transaction(() => {
    for (let s = second - 7200; s <= second; s++) {
      for (const [variant, version] of [["baseline", "2.0.0"], ["canary", "2.1.0"]] as const) {
        ins.run(svc.id, staging.id, s, variant, version, 20, variant === "canary" ? s % 7 === 0 ? 1 : 0 : 0, 5, 8 + (s % 5), 12, 6, hists[s % 64]!);
        res.run(svc.id, staging.id, s, variant, version, 1.5, 50_000_000, 0.6);
      }
    }
  })();

  // 3a. The chart loader in process (no HTTP, no build): SQL decimation and merging ~14,400 histograms.
  const { loadRolloutMetrics } = await import("@/lib/analysis-view");
  loadRolloutMetrics(db, long.id, "all");
  const inProcess: number[] = [];
  for (let i = 0; i < (quick ? 15 : 50); i++) {
    const t = performance.now();
    loadRolloutMetrics(db, long.id, "all");
    inProcess.push(performance.now() - t);
  }
  report("analysis.chart_2h_1s.loader.p95", pct(inProcess, 95), "ms", null, "lower");
  rows.push("(loadRolloutMetrics of the same 2-hour canary in process: 8 s buckets, p95 per bucket from merged per-second histograms)");
  if (!existsSync(path.resolve(".next", "BUILD_ID"))) {
    rows.push("chart data over HTTP / live views: no production build (.next/BUILD_ID); run `next build` first - skipped");
    return;
  }

  // A live canary in production that the 50 views follow; a writer adds one sample per second.
  const live = insertRollout(db, { ...base, environmentId: production.id, fromVersion: "3.0.0", toVersion: "3.1.0", idempotencyKey: "bench-live", createdAt: now - 60_000 });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const web = spawn(path.resolve("node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, NEXTAUTH_SECRET: "bench-secret-bench-secret-bench-secret", NEXTAUTH_URL: url, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: "ignore",
  });
  procs.push(web);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // starting
    }
    if (i > 300) throw new Error("next start did not come up");
    await sleep(100);
  }
  const cookie = await signIn(url);
  const get = async (p: string) => {
    const t = performance.now();
    const r = await fetch(`${url}${p}`, { headers: { cookie } });
    const body = await r.text();
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - t, body };
  };

  // 3. Chart data of the 2-hour canary (window "all": decimated to <= 1,000 points per line).
  await get(`/api/rollouts/${long.id}/metrics?window=all`); // warm-up
  const times: number[] = [];
  let points = 0;
  let bytes = 0;
  for (let i = 0; i < (quick ? 15 : 50); i++) {
    const { ms, body } = await get(`/api/rollouts/${long.id}/metrics?window=all`);
    times.push(ms);
    const v = JSON.parse(body) as { series: Record<string, unknown[]> };
    points = Math.max(...Object.values(v.series).map((s) => s.length));
    bytes = body.length;
  }
  report("analysis.chart_2h_1s.p95", pct(times, 95), "ms", 100, "lower");
  report("analysis.chart_2h_1s.p50", pct(times, 50), "ms", null, "lower");
  report("analysis.chart_2h_1s.points_per_line", points, "points", 1000, "lower");
  if (chartOnly) return;
  rows.push(`(GET /api/rollouts/:id/metrics?window=all over HTTP from next start, signed in; 14,402 router + 14,402 /proc samples; ${Math.round(bytes / 1024)} KiB JSON)`);

  // 4. Sample-to-browser: a sample committed at t is seen by each of 50 views polling every 1 s.
  const views = 50;
  const seconds = quick ? 8 : 20;
  const committed = new Map<number, number>();
  const latencies: number[] = [];
  let stop = false;
  const writer = (async () => {
    let s = Math.floor(Date.now() / 1000);
    while (!stop) {
      await sleep(Math.max(0, (s + 1) * 1000 + 50 - Date.now()));
      // Like the router: the second just over, both variants, one transaction.
      sqlite.transaction(() => {
        ins.run(svc.id, production.id, s, "baseline", "3.0.0", 20, 0, 5, 8, 12, 6, hists[s % 64]!);
        ins.run(svc.id, production.id, s, "canary", "3.1.0", 20, 0, 5, 9, 12, 6, hists[(s + 1) % 64]!);
      })();
      committed.set(s * 1000, Date.now());
      s++;
    }
  })();
  const viewLoop = async (k: number) => {
    await sleep((k * 1000) / views); // views opened at different moments
    const seen = new Set<number>();
    while (!stop) {
      const started = Date.now();
      try {
        const { body } = await get(`/api/rollouts/${live.id}/metrics?window=15m`);
        const got = Date.now();
        const v = JSON.parse(body) as { series: { request_rate: { t: number; canary: number | null }[] } };
        for (const p of v.series.request_rate) {
          const at = committed.get(p.t);
          if (at !== undefined && p.canary !== null && !seen.has(p.t)) {
            seen.add(p.t);
            latencies.push(got - at);
          }
        }
      } catch {
        // counted as missing samples
      }
      await sleep(Math.max(0, 1000 - (Date.now() - started))); // react-query refetchInterval: 1 s
    }
  };
  const loops = Array.from({ length: views }, (_, k) => viewLoop(k));
  await sleep(3000);
  latencies.length = 0; // measure the steady state only
  const t0 = Date.now();
  await sleep(seconds * 1000);
  stop = true;
  await Promise.all([writer, ...loops]);
  const expected = [...committed.entries()].filter(([, at]) => at >= t0 && at <= t0 + seconds * 1000 - 1500).length * views;
  report("analysis.sample_to_browser_50_views.p95", pct(latencies, 95), "ms", 1000, "lower");
  report("analysis.sample_to_browser_50_views.p50", pct(latencies, 50), "ms", null, "lower");
  rows.push(`(${views} views polling GET /api/rollouts/:id/metrics?window=15m every 1 s like the page; ${latencies.length} sample sightings, ~${expected} expected; latency = response received - sample committed)`);
}

const Sqlite = (await import("better-sqlite3")).default;
const awaitOpen = await import("@/db/connection");

try {
  if (!chartOnly) {
    await detectionOverhead();
    ingestRate();
  }
  await httpFigures();
} finally {
  for (const p of procs) p.kill("SIGKILL");
  // The local driver's router and versions are detached: stop them from their supervision file.
  try {
    const sup = JSON.parse(readFileSync(path.join(dir, "local-driver", "sample-api-staging", "supervision.json"), "utf8")) as Record<string, { pid: number } | null>;
    for (const p of [sup.router, sup.stable, sup.canary]) if (p) process.kill(p.pid, "SIGKILL");
  } catch {
    // nothing to stop
  }
}
console.log("\nCanary analysis benchmarks");
console.log(`${"metric".padEnd(48)} ${"value".padStart(12)} ${"unit".padEnd(10)} ${"target".padStart(10)}`);
for (const r of rows) console.log(r);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
