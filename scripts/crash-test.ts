// Crash test (`npm run test:crash [-- --quick] [-- --rounds N] [-- --seed S] [-- --keep]`):
// SIGKILLs the Flightdeck processes (the worker, and the `next start` web server when a build
// exists) at random moments while canaries run on staging and production, and restarts them.
// Passes when every rollout ends in the state decided up front, the routers' own records show no
// step executed twice, no audit event is lost or duplicated, the audit chain verifies, traffic
// never stopped and no stopped version keeps running. Reports how long the worker took to resume
// after each restart (target <= 5 s) and appends the figures to bench-results.jsonl.
// Kill moments: random; mid-step (while the worker executes a step); and "commit window" (the
// router applied a step's op, the worker has not recorded it: the test briefly holds the SQLite
// write lock so the worker is caught exactly there). Traffic runs in a child process
// (crash/traffic.mjs); checks are in crash/checks.ts.
// --quick: 5 rounds (for `npm test`); --keep: keep the temp folder (kept anyway on failure);
// --seed: replay the random choices; --strict-resume: also fail when the p95 resume time misses
// its target. CRASH_DEBUG=1 traces the commit-window strikes. Exit code 0 only if all checks pass.
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { hostname, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { type CheckResult, type RouterState, type TrackedRollout, checkVersionStarts, runChecks } from "./crash/checks";
import { Restartable, findFreeBase, killAll, percentile, processesOf, releasePorts, seededRandom, sleep } from "./crash/procs";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

// ---- options -------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const optionValue = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick");
const keep = argv.includes("--keep");
const strictResume = argv.includes("--strict-resume");
const rounds = Number(optionValue("--rounds") ?? (quick ? 5 : 20));
const seed = Number(optionValue("--seed") ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive whole number");
const random = seededRandom(seed);
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

const RESUME_TARGET_S = 5;
/** A restart that has not resumed after this long counts as hung (a failure, not a slow figure). */
const RESUME_HANG_MS = 15_000;
const HOLD_S = quick ? 1 : 1.5;
const CAPTAIN = "captain@flightdeck.local";
const RESULTS = path.join(root, "bench-results.jsonl");
const started = Date.now();

function say(line: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[crash ${t}s] ${line}\n`);
}

// ---- a fresh Flightdeck ----------------------------------------------------------------------
const dir = mkdtempSync(path.join(tmpdir(), "fd-crash-"));
const dbFile = path.join(dir, "flightdeck.db");
// Not from the seed: a replayed run must not pick the same ports as one still running.
const base = await findFreeBase(Math.random, 2);
const webPort = base + 50;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  FLIGHTDECK_DB: dbFile,
  FLIGHTDECK_DEMO: "1",
  FLIGHTDECK_DEMO_ROUTER_PORT: String(base),
  NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
  NEXTAUTH_URL: `http://127.0.0.1:${webPort}`,
  NEXT_TELEMETRY_DISABLED: "1",
  // Versions answer in ~40 ms, as a real service would (the sample's 5 ms default hides requests
  // in flight when a version is stopped): the driver passes its environment on to them.
  SAMPLE_LATENCY_MS: process.env.SAMPLE_LATENCY_MS ?? "40",
};
say(`seed ${seed}, ${rounds} rounds, data in ${dir}, router base port ${base}, web on ${webPort}`);

// The worker runs as `node --import tsx`, one process: tsx's CLI is a wrapper that spawns the real
// worker as its child, and SIGKILL on the wrapper would leave the worker running.
const worker = new Restartable("worker", process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], {
  cwd: root,
  env,
  logFile: path.join(dir, "worker.log"),
  readyLine: /\[worker\] running/,
});
const hasBuild = existsSync(path.join(root, ".next", "BUILD_ID"));
// `next start` serves from its own process (titled next-server), without a wrapper.
const web = hasBuild
  ? new Restartable("web", bin("next"), ["start", "-p", String(webPort), "-H", "127.0.0.1"], { cwd: root, env, logFile: path.join(dir, "web.log"), readyLine: /Ready|started server/i })
  : null;
let traffic: ChildProcess | null = null;
let failedOverall = false;

function cleanup(): void {
  worker.kill9();
  web?.kill9();
  traffic?.kill("SIGKILL");
  const pids: number[] = processesOf(dbFile).map((p) => p.pid);
  for (const envName of ["staging", "production"]) {
    const d = path.join(dir, "local-driver", `sample-api-${envName}`);
    try {
      const sup = JSON.parse(readFileSync(path.join(d, "supervision.json"), "utf8")) as Record<string, { pid: number } | null>;
      for (const p of Object.values(sup)) if (p) pids.push(p.pid);
    } catch {
      // never deployed
    }
    try {
      pids.push(Number(readFileSync(path.join(d, "traffic.pid"), "utf8")));
    } catch {
      // no demo traffic
    }
  }
  killAll(pids);
  worker.close();
  web?.close();
  releasePorts(base);
}
let cleanedUp = false;
function cleanupOnce(): void {
  if (cleanedUp) return;
  cleanedUp = true;
  cleanup();
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    say(`${sig}: stopping and cleaning up (data kept in ${dir})`);
    cleanupOnce();
    process.exit(130);
  });
}

try {
  await main();
} catch (err) {
  failedOverall = true;
  say(`crash test aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  cleanupOnce();
  await sleep(300);
  const left = processesOf(dbFile);
  if (left.length) {
    say(`processes still alive after cleanup: ${left.map((p) => `${p.pid} ${p.cmd}`).join("; ")}`);
    killAll(left.map((p) => p.pid));
  }
  if (failedOverall || keep) say(`data kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(failedOverall ? 1 : 0);

// ---- the run ---------------------------------------------------------------------------------
async function main(): Promise<void> {
  const migrate = spawnSync(bin("tsx"), ["scripts/migrate.ts"], { cwd: root, env, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stdout}${migrate.stderr}`);

  // The db modules read FLIGHTDECK_DB when first used: set it before importing them.
  process.env.FLIGHTDECK_DB = dbFile;
  process.env.FLIGHTDECK_DEMO = "1";
  const { getDb, getSqlite } = await import("@/db/connection");
  const { findServiceByName, listEnvironments, updateService } = await import("@/db/queries/catalog");
  const { findRollout, serviceEnvState } = await import("@/db/queries/rollouts");
  const { putServiceAnalysis } = await import("@/db/queries/analysis");
  const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");
  const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
  const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
  const { startRolloutInput } = await import("@/lib/domain/rollout/inputs");
  const { verifyAuditChain } = await import("@/lib/audit/verify");
  const { AppError } = await import("@/lib/errors");
  type Role = Parameters<typeof startRollout>[0]["roles"][number];

  const db = getDb();
  const sqlite = getSqlite();
  const service = findServiceByName(db, "sample-api");
  if (!service) throw new Error("demo seed has no sample-api");
  const target = JSON.parse(service.deployTarget) as { routerPort?: number };
  if (target.routerPort !== base) {
    // Seeded before FLIGHTDECK_DEMO_ROUTER_PORT existed: point the service at this run's ports.
    updateService(db, service.id, service.rowVersion, { ...service, deployTarget: JSON.stringify({ ...target, routerPort: base }), updatedAt: Date.now() });
  }
  // The crash test is about the deploy engine: canary analysis (its own tests) stays out of its timing.
  putServiceAnalysis(db, service.id, JSON.stringify({ enabled: false }), Date.now());
  /** Router ports are filled in from the driver's records once it has deployed. */
  const environments = listEnvironments(db).map((e) => ({ id: e.id, name: e.name, port: 0, adminPort: 0 }));
  const user = findUserByEmail(db, CAPTAIN)!;
  const captain = { kind: "user" as const, id: user.id, email: user.email, name: user.name, roles: rolesOfUser(db, user.id) as Role[] };

  const tracked: TrackedRollout[] = [];
  const liveProblems: string[] = [];
  const ownerOf = (pid: number) => `worker-${hostname()}-${pid}`;

  async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms: number, every = 50): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
      await sleep(every);
    }
  }

  async function routerState(e: (typeof environments)[number], timeoutMs = 5000): Promise<RouterState> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`http://127.0.0.1:${e.adminPort}/state`, { signal: AbortSignal.timeout(timeoutMs) });
        return (await res.json()) as RouterState;
      } catch (err) {
        if (attempt >= 3) throw new Error(`router of ${e.name} did not answer /state: ${String(err)}`);
      }
    }
  }

  async function versionsSeen(port: number, n: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/crash-check`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      const v = res.headers.get("x-version") ?? `HTTP ${res.status}`;
      seen[v] = (seen[v] ?? 0) + 1;
    }
    return seen;
  }

  // ---- start: worker (deploys 1.0.0 everywhere in demo mode) and web ----
  worker.start();
  if (web) web.start();
  else say("no production build (.next/BUILD_ID missing): the web server is not part of this run; only the worker is killed");
  const bootstrapped = await until(
    "the demo bootstrap (1.0.0 in every environment)",
    () => {
      const rows = sqlite.prepare("SELECT id, status FROM rollouts ORDER BY id").all() as { id: number; status: string }[];
      return rows.length === environments.length && rows.every((r) => r.status === "succeeded") ? rows : undefined;
    },
    60_000,
    100,
  );
  // The driver decides each environment's router ports: take them from its supervision records.
  for (const e of environments) {
    const sup = JSON.parse(readFileSync(path.join(dir, "local-driver", `sample-api-${e.name}`, "supervision.json"), "utf8")) as { router: { port: number; adminPort: number } };
    e.port = sup.router.port;
    e.adminPort = sup.router.adminPort;
  }
  for (const r of bootstrapped) {
    const row = findRollout(db, r.id)!;
    tracked.push({ id: r.id, environment: environments.find((e) => e.id === row.environmentId)!.name, expected: "succeeded", commands: [], actorLabel: CAPTAIN });
  }
  if (web) {
    await until(
      "the web server",
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${webPort}/api/health`, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; web log ends: ${readFileSync(path.join(dir, "web.log"), "utf8").split("\n").slice(-8).join(" | ")}`);
    });
  }
  say(`worker pid ${worker.current!.pid}${web ? `, web pid ${web.current!.pid} on :${webPort}` : ""}; 1.0.0 runs in ${environments.map((e) => `${e.name} (router :${e.port})`).join(" and ")}`);

  // ---- traffic, in its own process ----
  const trafficReady = new Promise<void>((resolve, reject) => {
    traffic = fork(path.join(import.meta.dirname, "crash", "traffic.mjs"), [], {
      env: { ...process.env, CRASH_TRAFFIC_TARGETS: JSON.stringify(environments.map((e) => ({ name: e.name, port: e.port }))), CRASH_TRAFFIC_RPS: "25" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    traffic.once("message", () => resolve());
    traffic.once("exit", (code) => reject(new Error(`traffic generator exited (${code})`)));
  });
  await trafficReady;
  await sleep(500);

  // ---- resume measurement: a 20 ms probe of the jobs table ----
  interface Probe {
    round: number;
    pid: number;
    t0: number;
    /** Rollout jobs that were due (queued and due, or orphaned while running) at the restart. */
    due: { id: number; token: number; pickedAt: number | null }[];
    upAt: number | null;
    resumedAt: number | null;
    interrupted: boolean;
  }
  const probes: Probe[] = [];
  let probe: Probe | null = null;
  const dueStmt = sqlite.prepare(
    "SELECT id, lease_token AS token FROM jobs WHERE kind LIKE 'rollout.%' AND ((status = 'queued' AND run_at <= ?) OR status = 'running')",
  );
  const upStmt = sqlite.prepare("SELECT min(heartbeat_at) AS at FROM jobs WHERE heartbeat_at >= ?");
  const jobStmt = sqlite.prepare("SELECT lease_token AS token, heartbeat_at AS heartbeatAt, status FROM jobs WHERE id = ?");
  const probeDone = (p: Probe) => p.interrupted || (p.upAt !== null && (p.due.length === 0 || p.resumedAt !== null));
  const monitor = setInterval(() => {
    const p = probe;
    if (!p || probeDone(p)) return;
    const now = Date.now();
    if (p.upAt === null) p.upAt = (upStmt.get(p.t0) as { at: number | null }).at;
    for (const d of p.due) {
      if (d.pickedAt !== null) continue;
      const row = jobStmt.get(d.id) as { token: number; heartbeatAt: number | null } | undefined;
      if (!row) d.pickedAt = now;
      else if (row.token > d.token) d.pickedAt = row.heartbeatAt !== null && row.heartbeatAt >= p.t0 && row.heartbeatAt <= now ? row.heartbeatAt : now;
    }
    if (p.due.length && p.due.every((d) => d.pickedAt !== null)) p.resumedAt = Math.max(...p.due.map((d) => d.pickedAt!));
  }, 20);

  interface WebProbe {
    round: number;
    t0: number;
    readyAt: number | null;
    interrupted: boolean;
  }
  const webProbes: WebProbe[] = [];
  async function watchWeb(p: WebProbe, generation: number): Promise<void> {
    while (web?.generation === generation && web.current && !p.interrupted) {
      try {
        const res = await fetch(`http://127.0.0.1:${webPort}/api/health`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) {
          p.readyAt = Date.now();
          return;
        }
      } catch {
        // not up yet
      }
      await sleep(50);
    }
  }

  // ---- rollouts: two chains (staging, production), each decided up front ----
  let stopStarting = false;
  /** True while the kill loop holds the SQLite write lock: the test's own writes wait. */
  let dbLocked = false;
  type Plan = { kind: "succeed" } | { kind: "abort"; atStep: number } | { kind: "pause"; atStep: number; forMs: number };
  const strategy = { kind: "canary", steps: [10, 25, 50, 100].map((weight) => ({ weight, holdSeconds: weight === 100 ? 0 : HOLD_S })) };
  const patterns: Record<string, Plan[]> = {
    staging: [{ kind: "succeed" }, { kind: "pause", atStep: 1, forMs: 1000 }, { kind: "abort", atStep: 2 }, { kind: "succeed" }],
    production: [{ kind: "abort", atStep: 2 }, { kind: "succeed" }, { kind: "succeed" }, { kind: "pause", atStep: 3, forMs: 800 }],
  };

  async function drive(e: (typeof environments)[number], t: TrackedRollout, plan: Plan): Promise<boolean> {
    const deadline = Date.now() + 120_000;
    let commanded = false;
    let pausedAt: number | null = null;
    const command = (cmd: "abort" | "pause" | "resume", action: string) => {
      if (dbLocked) return false; // the kill loop holds the write lock for a moment: next poll
      try {
        controlRollout(captain, { rolloutId: t.id, command: cmd, reason: cmd === "abort" ? "crash test: abort mid-way" : undefined });
        t.commands.push(action);
        return true;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        say(`#${t.id} ${cmd} refused (will retry): ${err.message}`);
        return false;
      }
    };
    for (;;) {
      const r = findRollout(db, t.id)!;
      if (r.status === "succeeded" || r.status === "rolled_back") break;
      if (r.status === "failed") {
        liveProblems.push(`rollout #${t.id} (${e.name} ${r.toVersion}) failed: ${r.reason}`);
        return false;
      }
      if (Date.now() > deadline) {
        liveProblems.push(`rollout #${t.id} (${e.name} ${r.toVersion}) did not finish within 120 s (status ${r.status}, step ${r.stepIndex} ${r.phase})`);
        return false;
      }
      if (plan.kind === "abort" && !commanded && r.status === "running" && (r.stepIndex > plan.atStep || (r.stepIndex === plan.atStep && r.phase === "hold"))) {
        commanded = command("abort", "rollout.abort");
      } else if (plan.kind === "pause" && !commanded && r.status === "running" && r.stepIndex === plan.atStep && r.phase === "hold") {
        commanded = command("pause", "rollout.pause");
        if (commanded) pausedAt = Date.now();
      } else if (plan.kind === "pause" && pausedAt !== null && r.status === "paused" && Date.now() - pausedAt >= plan.forMs) {
        if (command("resume", "rollout.resume")) pausedAt = null;
      }
      await sleep(50);
    }
    const r = findRollout(db, t.id)!;
    const stable = r.status === "succeeded" ? r.toVersion : r.fromVersion;
    const state = await routerState(e);
    const seen = await versionsSeen(e.port, 20);
    const problems: string[] = [];
    if (r.status !== t.expected) problems.push(`ended ${r.status}, expected ${t.expected}`);
    if (state.stable?.version !== stable || state.canary !== null || state.weight !== 0) problems.push(`router right after: stable ${state.stable?.version}, canary ${state.canary?.version ?? "none"} at ${state.weight}%`);
    if (Object.keys(seen).join() !== stable) problems.push(`20 requests after it finished were answered by ${JSON.stringify(seen)}, expected all by ${stable}`);
    if (serviceEnvState(db, r.serviceId, r.environmentId)?.currentVersion !== stable) problems.push(`records say ${serviceEnvState(db, r.serviceId, r.environmentId)?.currentVersion} runs`);
    say(`#${t.id} ${e.name} ${r.fromVersion} -> ${r.toVersion} (${plan.kind}${plan.kind !== "succeed" ? ` at step ${plan.atStep}` : ""}): ${r.status}; traffic now all on ${Object.keys(seen).join(", ")}${problems.length ? `  PROBLEM: ${problems.join("; ")}` : ""}`);
    liveProblems.push(...problems.map((p) => `rollout #${t.id} (${e.name} ${r.toVersion}): ${p}`));
    return true;
  }

  async function chain(e: (typeof environments)[number]): Promise<number> {
    let n = 0;
    while (!stopStarting) {
      const plan = patterns[e.name]![n % patterns[e.name]!.length]!;
      n++;
      const input = startRolloutInput.parse({ serviceId: service!.id, environmentId: e.id, version: `1.${n}.0`, strategy, idempotencyKey: `crash-${e.name}-${n}` });
      while (dbLocked) await sleep(5);
      const { rollout } = startRollout(captain, input);
      const t: TrackedRollout = { id: rollout.id, environment: e.name, expected: plan.kind === "abort" ? "rolled_back" : "succeeded", commands: ["rollout.start"], actorLabel: CAPTAIN };
      tracked.push(t);
      if (!(await drive(e, t, plan))) return n;
    }
    return n;
  }

  // ---- the kills ----
  interface Kill {
    round: number;
    what: string;
    during: string;
  }
  const kills: Kill[] = [];
  const heldStmt = sqlite.prepare("SELECT id, kind, payload FROM jobs WHERE status = 'running' AND lease_owner = ?");
  const heldWorkStmt = sqlite.prepare("SELECT id, kind, payload FROM jobs WHERE status = 'running' AND lease_owner = ? AND kind IN ('rollout.step', 'rollout.rollback') LIMIT 1");
  function describeHeld(owner: string): string {
    const held = heldStmt.all(owner) as { id: number; kind: string; payload: string }[];
    if (held.length === 0) return "idle";
    return held
      .map((j) => {
        if (j.kind !== "rollout.step") return j.kind;
        const p = JSON.parse(j.payload) as { rolloutId: number; stepIndex: number };
        const plan = JSON.parse(findRollout(db, p.rolloutId)?.plan ?? "[]") as { kind: string; weight?: number }[];
        const step = plan[p.stepIndex];
        return `rollout.step ${step?.kind ?? "?"}${step?.weight !== undefined ? ` ${step.weight}%` : ""}`;
      })
      .join(" + ");
  }

  // ---- commit-window kills ----
  // The moment that matters most for exactly-once lasts 1-3 ms: the router has applied a step's
  // operation, the worker has not yet recorded the outcome. To land kills there, the test holds
  // the SQLite write lock (on a connection of its own) right before the operation goes out, so the
  // worker blocks at its next commit with the operation applied; then it SIGKILLs the worker.
  const { default: Database } = await import("better-sqlite3");
  const lockDb = new Database(dbFile);
  lockDb.pragma("busy_timeout = 2000");
  const heldStepStmt = sqlite.prepare("SELECT id, payload FROM jobs WHERE status = 'running' AND lease_owner = ? AND kind = 'rollout.step' LIMIT 1");
  const stepLineStmt = sqlite.prepare("SELECT max(id) AS id FROM rollout_log WHERE rollout_id = ? AND instr(message, ?) > 0");
  const smokeAfterStmt = sqlite.prepare("SELECT count(*) AS n FROM rollout_log WHERE rollout_id = ? AND id > ? AND message LIKE 'smoke passed%'");
  function unlock(): void {
    if (!dbLocked) return;
    lockDb.exec("ROLLBACK");
    dbLocked = false;
  }
  /** Returns holding the lock with a step's op applied and its outcome unrecorded (or null: no such moment found). */
  async function lockAfterApply(deadline: number, want: "deploy" | "shift or promote"): Promise<string | null> {
    while (Date.now() < deadline) {
      const inc = worker.current;
      const held = inc?.readyAt ? (heldStepStmt.get(ownerOf(inc.pid)) as { id: number; payload: string } | undefined) : undefined;
      const p = held ? (JSON.parse(held.payload) as { rolloutId: number; stepIndex: number; rowVersion: number }) : null;
      const r = p ? findRollout(db, p.rolloutId) : undefined;
      if (!held || !p || !r) {
        await sleep(2);
        continue;
      }
      const e = environments.find((x) => x.id === r.environmentId)!;
      const opId = `rollout:${p.rolloutId}:step:${p.stepIndex}:v${p.rowVersion}`;
      const planStep = (JSON.parse(r.plan) as { kind: string; weight?: number }[])[p.stepIndex];
      const kind = planStep?.kind ?? "?";
      const label = `rollout.step ${kind}${planStep?.weight !== undefined ? ` ${planStep.weight}%` : ""}`;
      if ((kind === "deploy") !== (want === "deploy") || r.fromVersion === null) {
        await sleep(2);
        continue;
      }
      // Short and forgiving: while the test holds the write lock, the router may itself be waiting
      // for it (its metrics flush is synchronous), so a slow answer just means "not yet".
      const applied = async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${e.adminPort}/state`, { signal: AbortSignal.timeout(200) });
          return ((await res.json()) as RouterState).ops.some((o) => o.opId === opId);
        } catch {
          return false;
        }
      };
      const running = () => (jobStmt.get(held.id) as { status: string }).status === "running" && findRollout(db, r.id)!.rowVersion === p.rowVersion;
      // A deploy commits nothing between starting the version and applying its op: wait for the op.
      // Shifts and promotes commit a smoke-test line 2-3 ms before it: first freeze the worker at
      // its next commit (which comes before the op), then let go and lock again once that line is in.
      const debug = (m: string) => process.env.CRASH_DEBUG && say(`[commit-window] ${opId} ${kind}: ${m}`);
      if (kind !== "deploy") {
        lockDb.exec("BEGIN IMMEDIATE");
        dbLocked = true;
        const early = running() && !(await applied());
        unlock();
        debug(`frozen early=${early}`);
        if (!early) continue;
      }
      let ready = false;
      const end = Date.now() + 3000;
      while (!ready && Date.now() < end && running()) {
        if (kind === "deploy") ready = await applied();
        else {
          const line = (stepLineStmt.get(r.id, ` op ${opId})`) as { id: number | null }).id;
          ready = line !== null && (smokeAfterStmt.get(r.id, line) as { n: number }).n > 0;
        }
        // Shifts leave 2-3 ms between that line and the op: spin (only while such a job runs).
        if (!ready) await (kind === "deploy" ? sleep(1) : new Promise<void>((resolve) => setImmediate(resolve)));
      }
      debug(`ready=${ready}`);
      if (!ready) continue;
      lockDb.exec("BEGIN IMMEDIATE");
      dbLocked = true;
      if (!running()) {
        debug("lost the race");
        unlock(); // it recorded the outcome first: try the next step
        continue;
      }
      // A deploy's op is known to be applied; a shift's is on its way. Wait at most 150 ms: the lock
      // must stay short (it also holds up the router's metrics flush, see above).
      let isApplied = kind === "deploy" || (await applied());
      const opEnd = Date.now() + 150;
      while (!isApplied && Date.now() < opEnd) {
        await sleep(3);
        isApplied = await applied();
      }
      return isApplied ? `${label}: op applied, outcome not yet recorded` : `${label}: blocked on a commit before applying its op`;
    }
    return null;
  }

  async function killLoop(): Promise<void> {
    for (let round = 1; round <= rounds; round++) {
      // Steps take tens to hundreds of milliseconds between long holds, so uniformly random kills
      // mostly find an idle worker. Every other round waits until the worker is executing a step
      // or a rollback, then strikes at a random point within it; every fourth strikes in the
      // commit window (see lockAfterApply).
      const mode = round % 4 === 0 ? "commit-window" : round % 2 === 0 || random() < 0.2 ? "mid-step" : "random";
      const targeted = mode !== "random";
      let strike: string | null = null;
      if (mode === "commit-window") {
        try {
          strike = await lockAfterApply(Date.now() + 10_000, round % 8 === 0 ? "deploy" : "shift or promote");
        } catch (err) {
          unlock();
          throw err;
        }
      } else if (targeted) {
        // A shift takes a few tens of ms, a deploy a few hundred: strike within that, and only
        // when the job is still held at that moment (else wait for the next one, up to 8 s).
        const end = Date.now() + 8000;
        while (Date.now() < end) {
          const held = worker.current?.readyAt ? (heldWorkStmt.get(ownerOf(worker.current.pid)) as { id: number; kind: string; payload: string } | undefined) : undefined;
          if (!held) {
            await sleep(3);
            continue;
          }
          const p = JSON.parse(held.payload) as { stepIndex?: number };
          await sleep(between(0, held.kind === "rollout.step" && p.stepIndex === 0 ? 400 : 30));
          if ((jobStmt.get(held.id) as { status: string }).status === "running") break;
        }
      } else {
        await sleep(between(300, 2500));
      }
      for (const proc of [worker, web]) {
        if (proc?.current?.exitedAt) {
          say(`${proc.name} pid ${proc.current.pid} exited on its own (${proc.unexpectedExits.at(-1)?.how}); starting it again`);
          proc.start();
        }
      }
      const killWeb = web !== null && (round % 3 === 2 || random() < 0.15);
      const victim = worker.current!;
      const during = strike ?? (victim.readyAt === null ? "starting up" : describeHeld(ownerOf(victim.pid)));
      worker.kill9();
      unlock();
      kills.push({ round, what: "worker", during });
      if (probe && !probeDone(probe)) probe.interrupted = true;
      let webDuring = "";
      if (killWeb) {
        const w = web.current!;
        webDuring = w.readyAt === null ? "starting up" : "serving";
        web.kill9();
        kills.push({ round, what: "web", during: webDuring });
        const wp = webProbes.at(-1);
        if (wp && wp.readyAt === null) wp.interrupted = true;
      }
      const downMs = between(0, 300);
      await sleep(downMs);
      const due = (dueStmt.all(Date.now()) as { id: number; token: number }[]).map((d) => ({ ...d, pickedAt: null }));
      const inc = worker.start();
      probe = { round, pid: inc.pid, t0: inc.startedAt, due, upAt: null, resumedAt: null, interrupted: false };
      probes.push(probe);
      if (killWeb) {
        const w = web.start();
        const wp: WebProbe = { round, t0: w.startedAt, readyAt: null, interrupted: false };
        webProbes.push(wp);
        void watchWeb(wp, w.generation);
      }
      // Most rounds wait for the worker to resume before the next kill; some kill again at once
      // (during startup or before the old leases expire), which is a moment worth hitting too.
      const rapid = random() < 0.25;
      const p = probe;
      if (!rapid) {
        const end = Date.now() + RESUME_HANG_MS;
        while (!probeDone(p) && Date.now() < end) await sleep(20);
      }
      const status = rapid ? "next kill without waiting" : !probeDone(p) ? `NOT RESUMED within ${RESUME_HANG_MS / 1000} s` : p.due.length ? `resumed ${(p.resumedAt! - p.t0) / 1000} s after restart` : `up after ${((p.upAt ?? Date.now()) - p.t0) / 1000} s (nothing was due)`;
      say(`round ${round}/${rounds}${targeted ? ` (${mode})` : ""}: SIGKILL worker pid ${victim.pid} (${during})${killWeb ? ` and web (${webDuring})` : ""}; restarted after ${Math.round(downMs)} ms as pid ${inc.pid}; ${p.due.length} rollout jobs pending; ${status}`);
    }
  }

  const chains = environments.map((e) => chain(e));
  await killLoop();
  stopStarting = true;
  say("kills done; letting the rollouts in flight finish");
  const finishedIn = Date.now();
  const counts = await Promise.all(chains);
  // The last probe may still be resuming: give it its chance.
  const lastProbe = probe as Probe | null;
  while (lastProbe && !probeDone(lastProbe) && Date.now() - lastProbe.t0 < RESUME_HANG_MS) await sleep(20);
  clearInterval(monitor);
  lockDb.close();
  say(`all rollouts finished ${((Date.now() - finishedIn) / 1000).toFixed(1)} s after the last kill (${counts.reduce((a, b) => a + b, 0)} started by the test)`);
  await sleep(1000);

  // ---- stop traffic, then the processes; collect the records ----
  const trafficStats = await new Promise<TrafficStats>((resolve, reject) => {
    const t = traffic!;
    t.once("message", (m) => resolve(m as TrafficStats));
    t.once("exit", (code) => reject(new Error(`traffic generator exited (${code}) before reporting`)));
    t.send("stop");
  });
  traffic = null;
  const workerLines = readFileSync(path.join(dir, "worker.log"), "utf8").split("\n");
  await worker.stop();
  await web?.stop();

  const processResults: CheckResult[] = [];
  const routers = new Map<string, RouterState>();
  const currentVersions = new Map<string, string | null>();
  for (const e of environments) {
    routers.set(e.name, JSON.parse(readFileSync(path.join(dir, "local-driver", `sample-api-${e.name}`, "router-state.json"), "utf8")) as RouterState);
    currentVersions.set(e.name, serviceEnvState(db, service.id, e.id)?.currentVersion ?? null);
  }
  // Versions the driver stopped must be gone: a stopped version that still answers on pooled
  // connections would receive traffic again once its port is given to the next version.
  {
    const problems: string[] = [];
    const supervised = new Set<string>();
    for (const e of environments) {
      const sup = JSON.parse(readFileSync(path.join(dir, "local-driver", `sample-api-${e.name}`, "supervision.json"), "utf8")) as Record<string, { pid: number } | null>;
      for (const p of Object.values(sup)) if (p) supervised.add(String(p.pid));
    }
    // A stopped version may take a few seconds to finish its last requests: allow 5 s.
    let versions = processesOf(dbFile).filter((p) => p.cmd.includes("sample-service.mjs"));
    for (const end = Date.now() + 5000; versions.some((p) => !supervised.has(String(p.pid))) && Date.now() < end; ) {
      await sleep(200);
      versions = processesOf(dbFile).filter((p) => p.cmd.includes("sample-service.mjs"));
    }
    for (const p of versions) if (!supervised.has(String(p.pid))) problems.push(`version ${p.env.VERSION} (pid ${p.pid}, port ${p.env.PORT}) is still running 5 s after the driver stopped it`);
    processResults.push({ name: "stopped versions are gone", ok: problems.length === 0, detail: problems.length ? problems : [`${versions.length} version processes run, each the stable or canary of its environment`] });
  }
  const chainReport = verifyAuditChain(sqlite);
  const results: CheckResult[] = [...runChecks(sqlite, { tracked, routers, currentVersions, chain: chainReport }), ...processResults];
  const deployed = new Map<string, Set<string>>(environments.map((e) => [e.name, new Set<string>()]));
  for (const t of tracked) deployed.get(t.environment)!.add(findRollout(db, t.id)!.toVersion);
  results.push(checkVersionStarts(path.join(dir, "local-driver"), deployed));

  results.unshift({ name: "checks while running", ok: liveProblems.length === 0, detail: liveProblems.length ? liveProblems : ["each rollout reached its expected state; right after it, the router and 20 live requests showed the expected version only"] });
  {
    const problems: string[] = [];
    for (const s of trafficStats.targets) {
      if (s.failed > 0) problems.push(`${s.name}: ${s.failed} of ${s.sent} requests failed, first: ${s.failures.slice(0, 5).map((f) => `${f.what} at +${((f.at - started) / 1000).toFixed(1)}s`).join(", ")}`);
      if (s.maxGapMs > 1000) problems.push(`${s.name}: no successful answer for ${(s.maxGapMs / 1000).toFixed(2)} s (ending at +${((s.maxGapEndedAt! - started) / 1000).toFixed(1)}s)`);
      if (s.ok === 0) problems.push(`${s.name}: no request succeeded`);
    }
    const line = trafficStats.targets.map((s) => `${s.name}: ${s.ok}/${s.sent} ok, longest gap ${s.maxGapMs} ms`).join("; ");
    results.push({ name: "traffic never stopped", ok: problems.length === 0, detail: problems.length ? [...problems, line] : [`${line} (load generator lag max ${trafficStats.maxLagMs} ms)`] });
  }
  {
    const problems: string[] = [];
    const failedJobs = sqlite.prepare("SELECT id, kind, last_error AS error FROM jobs WHERE status = 'failed'").all() as { id: number; kind: string; error: string }[];
    for (const j of failedJobs) problems.push(`job #${j.id} (${j.kind}) failed: ${j.error}`);
    const retries = workerLines.filter((l) => /will retry|failed:/.test(l));
    for (const l of retries.slice(0, 5)) problems.push(`worker: ${l.trim()}`);
    const repairs = sqlite.prepare("SELECT details FROM audit_events WHERE action = 'driver.reconcile'").all() as { details: string }[];
    for (const r of repairs) problems.push(`data plane needed repair: ${r.details}`);
    const reruns = (sqlite.prepare("SELECT count(*) AS n FROM jobs WHERE kind LIKE 'rollout.%' AND attempts > 1").get() as { n: number }).n;
    results.push({ name: "no job failed, no data-plane repair", ok: problems.length === 0, detail: problems.length ? problems : [`${reruns} rollout jobs ran again after a crash (same operation ids, no errors)`] });
  }
  {
    const problems: string[] = [];
    for (const proc of [worker, web]) {
      for (const x of proc?.unexpectedExits ?? []) problems.push(`${proc!.name} pid ${x.pid} (start #${x.generation}) exited by itself (${x.how}) at +${((x.at - started) / 1000).toFixed(1)}s; last output: ${x.lastLines.join(" | ")}`);
    }
    const webHung = webProbes.filter((p) => !p.interrupted && p.readyAt === null);
    for (const p of webHung) problems.push(`web restarted in round ${p.round} never answered /api/health`);
    results.push({ name: "processes died only when killed, and came back", ok: problems.length === 0, detail: problems.length ? problems : [`worker restarted ${worker.generation - 1} times${web ? `, web ${web.generation - 1} times, every web start answered /api/health` : ""}`] });
  }
  const workerKills = kills.filter((k) => k.what === "worker").length;
  results.push({ name: `at least ${rounds} kills`, ok: kills.length >= rounds, detail: [`${kills.length} SIGKILLs: ${workerKills} worker, ${kills.length - workerKills} web`] });

  // ---- resume figures ----
  const measured = probes.filter((p) => !p.interrupted && p.due.length > 0 && p.resumedAt !== null).map((p) => (p.resumedAt! - p.t0) / 1000);
  const hung = probes.filter((p) => !p.interrupted && !probeDone(p));
  const ups = probes.filter((p) => p.upAt !== null).map((p) => (p.upAt! - p.t0) / 1000);
  const webUps = webProbes.filter((p) => p.readyAt !== null).map((p) => (p.readyAt! - p.t0) / 1000);
  const orphaned = probes.filter((p) => !p.interrupted && p.resumedAt !== null && kills.find((k) => k.round === p.round && k.what === "worker")?.during.startsWith("rollout."));
  const orphanedResume = orphaned.map((p) => (p.resumedAt! - p.t0) / 1000);
  const p50 = percentile(measured, 50);
  const p95 = percentile(measured, 95);
  const max = percentile(measured, 100);
  results.push({
    name: "worker resumed after every restart",
    ok: hung.length === 0 && measured.length > 0,
    detail: [
      hung.length ? `${hung.length} restarts did not resume within ${RESUME_HANG_MS / 1000} s (rounds ${hung.map((p) => p.round).join(", ")})` : `${measured.length} restarts with rollout work pending measured, ${probes.filter((p) => p.interrupted).length} interrupted by the next kill, ${probes.filter((p) => !p.interrupted && p.due.length === 0).length} with nothing pending`,
    ],
  });
  const resumeOk = p95 !== null && p95 <= RESUME_TARGET_S;
  if (strictResume) results.push({ name: `resume p95 <= ${RESUME_TARGET_S} s`, ok: resumeOk, detail: [`p95 ${p95} s`] });

  // ---- report ----
  const fmt = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(2)} s`);
  const during = new Map<string, number>();
  for (const k of kills.filter((x) => x.what === "worker")) during.set(k.during, (during.get(k.during) ?? 0) + 1);
  process.stdout.write("\n=== crash test summary\n");
  process.stdout.write(`seed ${seed}; ${rounds} rounds; ${tracked.length} rollouts; ${kills.length} SIGKILLs in ${((Date.now() - started) / 1000).toFixed(0)} s (load average ${loadavg()[0]!.toFixed(2)})\n`);
  process.stdout.write(`worker killed while: ${[...during].map(([k, n]) => `${k} x${n}`).join(", ")}\n`);
  for (const r of results) {
    process.stdout.write(`${r.ok ? "PASS" : "FAIL"}  ${r.name}\n`);
    for (const d of r.detail.slice(0, 15)) process.stdout.write(`      ${d}\n`);
    if (r.detail.length > 15) process.stdout.write(`      ... and ${r.detail.length - 15} more\n`);
  }
  process.stdout.write(
    `resume after a worker restart (spawn -> every rollout job pending at the restart picked up again), n=${measured.length}: p50 ${fmt(p50)}, p95 ${fmt(p95)}, max ${fmt(max)} — target <= ${RESUME_TARGET_S} s: ${p95 === null ? "not measured" : resumeOk ? "met" : "MISSED"}\n`,
  );
  process.stdout.write(`  of which the killed worker held a rollout job (re-claimed only after its 5 s lease expires), n=${orphanedResume.length}: p50 ${fmt(percentile(orphanedResume, 50))}, max ${fmt(percentile(orphanedResume, 100))}\n`);
  process.stdout.write(`worker up (spawn -> first job claimed), n=${ups.length}: p50 ${fmt(percentile(ups, 50))}, p95 ${fmt(percentile(ups, 95))}\n`);
  if (web) process.stdout.write(`web up (spawn -> /api/health 200), n=${webUps.length}: p50 ${fmt(percentile(webUps, 50))}, p95 ${fmt(percentile(webUps, 95))}\n`);

  const figures: { metric: string; value: number | null; unit: string; target: number | null; better: "lower" | "higher" }[] = [
    { metric: "crash_kills", value: kills.length, unit: "count", target: rounds, better: "higher" },
    { metric: "crash_resume_p50_s", value: p50, unit: "s", target: RESUME_TARGET_S, better: "lower" },
    { metric: "crash_resume_p95_s", value: p95, unit: "s", target: RESUME_TARGET_S, better: "lower" },
    { metric: "crash_resume_max_s", value: max, unit: "s", target: RESUME_TARGET_S, better: "lower" },
    { metric: "crash_worker_up_p50_s", value: percentile(ups, 50), unit: "s", target: RESUME_TARGET_S, better: "lower" },
    { metric: "crash_web_up_p95_s", value: percentile(webUps, 95), unit: "s", target: RESUME_TARGET_S, better: "lower" },
    { metric: "crash_traffic_failed_requests", value: trafficStats.targets.reduce((n, s) => n + s.failed, 0), unit: "count", target: 0, better: "lower" },
    { metric: "crash_traffic_max_gap_s", value: Math.max(...trafficStats.targets.map((s) => s.maxGapMs)) / 1000, unit: "s", target: 1, better: "lower" },
  ];
  for (const f of figures) {
    if (f.value === null) continue;
    appendFileSync(RESULTS, `${JSON.stringify({ ...f, metric: quick ? `quick.${f.metric}` : f.metric, value: Number(f.value.toFixed(3)) })}\n`);
  }
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  if (failed > 0) failedOverall = true;
}

interface TrafficStats {
  targets: { name: string; sent: number; ok: number; failed: number; failures: { at: number; what: string }[]; versions: Record<string, number>; maxGapMs: number; maxGapEndedAt: number | null }[];
  maxLagMs: number;
  durationMs: number;
  unfinished: number;
}
