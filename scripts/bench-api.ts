// REST API benchmarks (issue 11; `npm run bench`, last part): real HTTP against `next start` on a
// fresh database (demo data plus many services; no worker, so only the API's own work is timed).
//   (a) GET /api/v1/rollouts/{id} (rollout status): 50 concurrent clients, each with its own API token
//   (b) POST /api/deploy-safety/canary/start: rounds of 50 concurrent starts, one per token and service
//   (c) the cost of authenticating a token (format + checksum, sha256, lookup, owner's roles) in process
// The issue sets no targets: the figures are reported (closed loop: 50 clients keep one request
// each in flight, so p95 is about 50 / throughput once the server is saturated).
// Prints a table and appends JSON lines {"metric","value","unit","target","better"} to bench-results.jsonl.
// Needs a production build (`next build`); runs with `tsx --conditions=react-server`.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { getDb } from "@/db/client";
import { findUserByEmail } from "@/db/queries/users";
import { seedDemo } from "@/db/seed";
import { authenticateToken } from "@/lib/auth/authenticate-token";
import { loadActor } from "@/lib/auth/load-actor";
import { createTokenInput } from "@/lib/domain/api-token";
import { serviceInput } from "@/lib/domain/catalog-inputs";
import { DEFAULT_LOCAL_TARGET } from "@/lib/domain/deploy-target";
import { createService } from "@/lib/services/services/create-service";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { benchReporter, pct } from "./bench-report";

const quick = process.argv.includes("--quick");
const CLIENTS = 50;
const STATUS_SECONDS = quick ? 3 : 10;
const START_ROUNDS = quick ? 2 : 6;
const VERIFY_CALLS = quick ? 2_000 : 20_000;
const PORT = Number(process.env.BENCH_API_PORT ?? 3310);
const base = `http://127.0.0.1:${PORT}`;

if (!existsSync(path.resolve(".next", "BUILD_ID"))) {
  console.error("bench-api: no production build; run `npx next build` first.");
  process.exit(1);
}
const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-api-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";
// The limiter stays on (its cost is measured) but does not refuse the benchmark's own load.
process.env.FLIGHTDECK_API_RATE_LIMIT = "1000000/60";
const { report, rows } = benchReporter({ quick, width: 48 });
let web: ChildProcess | undefined;

function actorOf(email: string) {
  const state = loadActor(findUserByEmail(getDb(), email)!.id);
  if (state.status !== "ok") throw new Error(`${email} cannot act (${state.status})`);
  return state.actor;
}

async function waitHealthy(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("next start did not become healthy in 60 s");
}

async function timed(url: string, init: RequestInit, expect: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== expect) throw new Error(`${init.method ?? "GET"} ${url}: HTTP ${res.status}, expected ${expect}`);
  return ms;
}

async function main(): Promise<void> {
  await seedDemo(getDb());
  const admin = actorOf("admin@flightdeck.local");
  const captain = actorOf("captain@flightdeck.local");
  const services = Array.from({ length: CLIENTS * START_ROUNDS }, (_, i) =>
    createService(admin, serviceInput.parse({ name: `bench-${i}`, owner: "bench", deployTarget: JSON.stringify({ ...DEFAULT_LOCAL_TARGET, routerPort: 20000 + 10 * i }) })),
  );
  const tokens = Array.from({ length: CLIENTS }, (_, i) => createApiToken(captain, createTokenInput.parse({ name: `bench ${i}`, scopes: ["read", "deploy", "control"] })).secret);

  web = spawn(path.resolve("node_modules/.bin/next"), ["start", "-p", String(PORT)], {
    env: { ...process.env, NEXTAUTH_URL: base, NEXTAUTH_SECRET: "bench-only-secret-not-for-production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "ignore",
  });
  await waitHealthy();
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
  const start = (token: string, service: string, version: string) =>
    timed(`${base}/api/deploy-safety/canary/start`, { method: "POST", headers: headers(token), body: JSON.stringify({ environment: "staging", service, version }) }, 202);

  // (b) canary start: each round, every token starts a canary of its own service at once.
  const startMs: number[] = [];
  await start(tokens[0]!, services[0]!.name, "1.1.0"); // warm-up (compiles nothing, but fills caches)
  for (let round = 0; round < START_ROUNDS; round++) {
    const t0 = performance.now();
    const batch = await Promise.all(tokens.map((t, i) => (round === 0 && i === 0 ? Promise.resolve(NaN) : start(t, services[round * CLIENTS + i]!.name, "1.1.0"))));
    startMs.push(...batch.filter((x) => !Number.isNaN(x)));
    if (round === 0) console.error(`canary start round: ${(performance.now() - t0).toFixed(0)} ms for ${CLIENTS}`);
  }
  report("api.canary_start.p50 (50 tokens)", pct(startMs, 50), "ms", null, "lower");
  report("api.canary_start.p95 (50 tokens)", pct(startMs, 95), "ms", null, "lower");

  // (a) rollout status: closed loop, 50 clients for a fixed time.
  const list = (await (await fetch(`${base}/api/v1/rollouts?limit=1`, { headers: headers(tokens[0]!) })).json()) as { items: { id: number }[] };
  const rolloutId = list.items[0]!.id;
  const statusMs: number[] = [];
  const end = performance.now() + STATUS_SECONDS * 1000;
  await Promise.all(
    tokens.map(async (t) => {
      while (performance.now() < end) statusMs.push(await timed(`${base}/api/v1/rollouts/${rolloutId}`, { headers: headers(t) }, 200));
    }),
  );
  report("api.rollout_status.p50 (50 tokens)", pct(statusMs, 50), "ms", null, "lower");
  report("api.rollout_status.p95 (50 tokens)", pct(statusMs, 95), "ms", null, "lower");
  report("api.rollout_status.throughput", statusMs.length / STATUS_SECONDS, "req/s", null, "higher");

  // (c) token verification in process: what every API call pays before its handler runs.
  for (let i = 0; i < 200; i++) authenticateToken(tokens[i % CLIENTS]!);
  const t0 = performance.now();
  for (let i = 0; i < VERIFY_CALLS; i++) {
    if (authenticateToken(tokens[i % CLIENTS]!).status !== "ok") throw new Error("token refused");
  }
  report("api.token_verification", ((performance.now() - t0) * 1000) / VERIFY_CALLS, "µs/call", null, "lower");
}

try {
  await main();
} finally {
  web?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nREST API (load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
console.log(`${"metric".padEnd(48)} ${"value".padStart(12)} ${"unit".padEnd(10)} ${"target".padStart(10)}`);
for (const row of rows) console.log(row);
