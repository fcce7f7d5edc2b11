// Deploy-engine benchmarks (npm run bench, second part): step transition latency, router overhead
// against calling the version directly, router throughput against nginx with the same split, and
// HAProxy (the proxy driver's splitter) against both: throughput, added latency, set weight -> applied.
// Prints a table and appends JSON lines {"metric","value","unit","target","better"} to bench-results.jsonl.
// Runs with `tsx --conditions=react-server` (it drives the real worker and services).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { benchReporter, pct } from "./bench-report";

const quick = process.argv.includes("--quick");
const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-deploy-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";
const procs: ChildProcess[] = [];

const { report, rows } = benchReporter({ quick, width: 44 });

function start(script: string, env: Record<string, string>) {
  const p = spawn(process.execPath, [path.resolve("lib/drivers/local", script)], { env: { ...process.env, ...env }, stdio: "ignore" });
  procs.push(p);
  return p;
}

async function waitHttp(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}

/** Closed-loop load: `connections` concurrent keep-alive clients for `seconds`; latency per request. */
async function load(port: number, connections: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = http.get({ host: "127.0.0.1", port, path: "/api/bench", agent }, (res) => {
        res.resume();
        res.on("end", () => {
          if ((res.statusCode ?? 500) >= 500) errors++;
          latencies.push(performance.now() - t);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  agent.destroy();
  return { rps: latencies.length / seconds, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99), errors };
}

async function routerOverhead() {
  const base = 46_000 + Math.floor(Math.random() * 300) * 6;
  const [STABLE, CANARY, ROUTER, ADMIN, NGINX, HAPROXY] = [base, base + 1, base + 2, base + 3, base + 4, base + 5];
  start("sample-service.mjs", { PORT: String(STABLE), VERSION: "1.0.0", SAMPLE_LATENCY_MS: "0" });
  start("sample-service.mjs", { PORT: String(CANARY), VERSION: "1.1.0", SAMPLE_LATENCY_MS: "0" });
  const { openDatabase } = await import("@/db/connection");
  openDatabase(path.join(dir, "router.db")).sqlite.close();
  start("router.mjs", { ROUTER_PORT: String(ROUTER), ROUTER_ADMIN_PORT: String(ADMIN), ROUTER_STATE: path.join(dir, "router.json"), FLIGHTDECK_DB: path.join(dir, "router.db"), ROUTER_SERVICE_ID: "1", ROUTER_ENVIRONMENT_ID: "1" });
  await Promise.all([STABLE, CANARY].map((p) => waitHttp(`http://127.0.0.1:${p}/health`)));
  await waitHttp(`http://127.0.0.1:${ADMIN}/state`);
  await fetch(`http://127.0.0.1:${ADMIN}/apply`, { method: "POST", body: JSON.stringify({ opId: "bench", stable: { version: "1.0.0", port: STABLE }, canary: { version: "1.1.0", port: CANARY }, weight: 10 }) });
  const seconds = quick ? 2 : 6;

  // Added latency: one connection, so queueing does not hide the hop.
  const direct1 = await load(STABLE, 1, seconds);
  const routed1 = await load(ROUTER, 1, seconds);
  report("router.added_latency.p50", routed1.p50 - direct1.p50, "ms", 1, "lower");
  const direct = await load(STABLE, 50, seconds);
  const routed = await load(ROUTER, 50, seconds);
  report("router.direct.rps_50conn", direct.rps, "req/s", null, "higher");
  report("router.routed.rps_50conn", routed.rps, "req/s", null, "higher");
  report("router.throughput_vs_direct", (100 * routed.rps) / direct.rps, "%", 60, "higher");
  report("router.routed.errors", routed.errors, "requests", 0, "lower");
  await haproxyBench({ STABLE, CANARY, HAPROXY, seconds, direct1, routed1, direct, routed });

  // nginx with the same 90/10 split (split_clients), measured in the same run.
  if (spawnSync("sh", ["-c", "command -v nginx"]).status !== 0) {
    rows.push("nginx: not installed (apt-get install nginx-light) - comparison skipped");
    return;
  }
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log; daemon off;
events { worker_connections 1024; }
http { access_log off;
  upstream stable { server 127.0.0.1:${STABLE}; keepalive 64; }
  upstream canary { server 127.0.0.1:${CANARY}; keepalive 64; }
  split_clients "$request_id" $pool { 10% canary; * stable; }
  server { listen 127.0.0.1:${NGINX}; location / { proxy_pass http://$pool; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`,
  );
  const nginx = spawn("nginx", ["-c", conf, "-p", dir], { stdio: "ignore" });
  procs.push(nginx);
  await waitHttp(`http://127.0.0.1:${NGINX}/health`);
  const viaNginx = await load(NGINX, 50, seconds);
  report("nginx.rps_50conn", viaNginx.rps, "req/s", null, "higher");
  report("router.throughput_vs_nginx", (100 * routed.rps) / viaNginx.rps, "%", null, "higher");
  rows.push(`(nginx: 1 worker process; router: 1 Node process; client and servers share this machine's cores)`);
}

type Load = Awaited<ReturnType<typeof load>>;

/** The proxy driver's HAProxy with the same 90/10 split, in the same run as direct and the embedded router. */
async function haproxyBench(r: { STABLE: number; CANARY: number; HAPROXY: number; seconds: number; direct1: Load; routed1: Load; direct: Load; routed: Load }) {
  const { haproxySplitter, haproxyBinary } = await import("@/lib/drivers/proxy/haproxy");
  try {
    haproxyBinary();
  } catch (err) {
    rows.push(`haproxy: ${(err as Error).message} - comparison skipped`);
    return;
  }
  // With its metrics collector on, as the driver runs it (the router writes its metrics too).
  const splitter = haproxySplitter({ name: "bench", listenPort: r.HAPROXY, dataDir: dir, metrics: { dbFile: path.join(dir, "router.db"), serviceId: 2, environmentId: 1 } });
  try {
    await splitter.ensure({ stable: { host: "127.0.0.1", port: r.STABLE, version: "1.0.0" }, canary: { host: "127.0.0.1", port: r.CANARY, version: "1.1.0" } });
    await splitter.setWeight(10);
    await waitHttp(`http://127.0.0.1:${r.HAPROXY}/health`);
    const proxied1 = await load(r.HAPROXY, 1, r.seconds);
    report("haproxy.added_latency.p50", proxied1.p50 - r.direct1.p50, "ms", null, "lower");
    report("haproxy.added_latency.p95", proxied1.p95 - r.direct1.p95, "ms", null, "lower");
    report("router.added_latency.p95", r.routed1.p95 - r.direct1.p95, "ms", null, "lower");
    report("haproxy.latency_vs_router.p50", proxied1.p50 - r.routed1.p50, "ms", null, "lower");
    report("haproxy.latency_vs_router.p95", proxied1.p95 - r.routed1.p95, "ms", null, "lower");
    const proxied = await load(r.HAPROXY, 50, r.seconds);
    report("haproxy.rps_50conn", proxied.rps, "req/s", null, "higher");
    report("haproxy.throughput_vs_direct", (100 * proxied.rps) / r.direct.rps, "%", null, "higher");
    report("haproxy.throughput_vs_router", (100 * proxied.rps) / r.routed.rps, "%", null, "higher");
    report("haproxy.errors", proxied.errors, "requests", 0, "lower");
    // The same without the metrics collector (the cost of per-request metrics on this shared machine).
    const collectorPid = Number(readFileSync(path.join(dir, "haproxy", "bench.collector.pid"), "utf8"));
    process.kill(collectorPid, "SIGKILL");
    const bare = await load(r.HAPROXY, 50, r.seconds);
    report("haproxy.rps_50conn_without_collector", bare.rps, "req/s", null, "higher");

    // Set weight -> applied: the runtime API call until HAProxy reports the new weight, and until
    // the next request (sent right after the call returns, on a warm keep-alive connection) follows it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const versionNow = () =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port: r.HAPROXY, path: "/api/bench", agent }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve((JSON.parse(body) as { version: string }).version));
          })
          .on("error", reject);
      });
    const toStats: number[] = [];
    const toTraffic: number[] = [];
    let stale = 0;
    for (let i = 0; i < (quick ? 20 : 100); i++) {
      const weight = i % 2 === 0 ? 100 : 0;
      let t0 = performance.now();
      await splitter.setWeight(weight);
      while ((await splitter.stats()).weight !== weight) await new Promise((res) => setTimeout(res, 1));
      toStats.push(performance.now() - t0);
      const back = 100 - weight;
      await versionNow(); // a warm keep-alive connection
      t0 = performance.now();
      await splitter.setWeight(back);
      if ((await versionNow()) !== (back === 100 ? "1.1.0" : "1.0.0")) stale++;
      toTraffic.push(performance.now() - t0);
    }
    agent.destroy();
    report("haproxy.set_weight_to_stats.p50", pct(toStats, 50), "ms", null, "lower");
    report("haproxy.set_weight_to_stats.p95", pct(toStats, 95), "ms", null, "lower");
    report("haproxy.set_weight_to_next_request.p50", pct(toTraffic, 50), "ms", null, "lower");
    report("haproxy.set_weight_to_next_request.p95", pct(toTraffic, 95), "ms", null, "lower");
    report("haproxy.next_request_on_old_weight", stale, "requests", 0, "lower");
    rows.push("(haproxy: 1 process, one thread per core; set weight = one `set map` on the unix runtime socket, no reload)");
  } finally {
    await splitter.stop();
  }
}

async function stepTransitions() {
  const { getDb } = await import("@/db/client");
  const { seedDemo } = await import("@/db/seed");
  const { findServiceByName, findEnvironmentByName, updateService } = await import("@/db/queries/catalog");
  const { putServiceAnalysis } = await import("@/db/queries/analysis");
  const { findRollout } = await import("@/db/queries/rollouts");
  const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");
  const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
  const { startWorker } = await import("@/lib/jobs/worker");
  const db = getDb();
  await seedDemo(db);
  const routerPort = 48_000 + Math.floor(Math.random() * 40) * 200;
  const svc = findServiceByName(db, "sample-api")!;
  updateService(db, svc.id, svc.rowVersion, { ...svc, deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort, healthPath: "/health" }), updatedAt: Date.now() });
  // Step-transition timing without traffic: analysis (benchmarked in bench-analysis.ts) would hold the steps.
  putServiceAnalysis(db, svc.id, JSON.stringify({ enabled: false }), Date.now());
  const env = findEnvironmentByName(db, "staging")!;
  const u = findUserByEmail(db, "captain@flightdeck.local")!;
  const captain = { kind: "user" as const, id: u.id, email: u.email, name: u.name, roles: rolesOfUser(db, u.id) as never[] };
  const runner = startWorker(db, { owner: "bench" });
  const until = async (id: number, status: string) => {
    while (findRollout(db, id)!.status !== status) await new Promise((r) => setTimeout(r, 20));
  };
  const first = startRollout(captain, { serviceId: svc.id, environmentId: env.id, version: "1.0.0", strategy: { kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }, idempotencyKey: "bench-1" });
  await until(first.rollout.id, "succeeded");
  const holdSeconds = 0.5;
  const weights = Array.from({ length: quick ? 8 : 22 }, (_, i) => i + 1).map((i, _x, all) => Math.round((i * 99) / all.length));
  const strategy = { kind: "canary" as const, steps: [...weights.map((weight) => ({ weight, holdSeconds })), { weight: 100, holdSeconds: 0 }] };
  const r = startRollout(captain, { serviceId: svc.id, environmentId: env.id, version: "1.1.0", strategy, idempotencyKey: "bench-2" });
  await until(r.rollout.id, "succeeded");
  await runner.stop();
  // Hold end = when the previous shift succeeded + its hold; applied = when the router recorded the new weight.
  const sqlite = (await import("@/db/client")).getSqlite();
  const events = sqlite
    .prepare("SELECT action, details FROM audit_events WHERE action IN ('rollout.step_succeeded', 'rollout.succeeded') AND subject_id = ? ORDER BY id")
    .all(String(r.rollout.id))
    .map((row) => JSON.parse((row as { details: string }).details) as { event: { at: number }; stepIndex: number; weight: number });
  const state = JSON.parse(readFileSync(path.join(dir, "local-driver", "sample-api-staging", "router-state.json"), "utf8")) as { ops: { opId: string; at: number }[] };
  const applied = new Map(state.ops.filter((o) => o.opId.startsWith(`rollout:${r.rollout.id}:step:`)).map((o) => [Number(o.opId.split(":")[3]), o.at]));
  // Shift k succeeded at event.at and stays on k while it holds; its hold ends at event.at + hold,
  // and the router records step k+1's weight when the worker has applied it.
  const deltas: number[] = [];
  for (const e of events) {
    const isHoldingShift = e.weight > 0 && e.weight < 100 && e.stepIndex >= 1 && e.stepIndex <= weights.length - 1;
    const at = applied.get(e.stepIndex + 1);
    if (isHoldingShift && at !== undefined) deltas.push(at - (e.event.at + holdSeconds * 1000));
  }
  report("rollout.step_transition.p50", pct(deltas, 50), "ms", null, "lower");
  report("rollout.step_transition.p95", pct(deltas, 95), "ms", 250, "lower");
  rows.push(`(step transitions measured: ${deltas.length})`);
  const sup = JSON.parse(readFileSync(path.join(dir, "local-driver", "sample-api-staging", "supervision.json"), "utf8")) as Record<string, { pid: number } | null>;
  for (const p of [sup.router, sup.stable, sup.canary]) {
    try {
      if (p) process.kill(p.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

try {
  console.log(`Flightdeck deploy-engine benchmark (${quick ? "quick" : "full"}), temp dir ${dir}`);
  await stepTransitions();
  await routerOverhead();
} finally {
  for (const p of procs) p.kill("SIGKILL");
  console.log(`\n${"metric".padEnd(44)} ${"value".padStart(12)} ${"unit".padEnd(10)} ${"target".padStart(10)}  result`);
  for (const row of rows) console.log(row);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
