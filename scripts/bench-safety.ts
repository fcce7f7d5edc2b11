// Safety benchmarks (issue 9; `npm run bench:safety`, also part of `npm run bench`). Real worker,
// real local driver (router + sample service versions), real traffic (lib/drivers/local/traffic.mjs),
// the seeded demo analysis config; nothing of ours is mocked. Prints a table and appends JSON lines
// {"metric","value","unit","target","better"} to bench-results.jsonl.
//   1. "Safety never waits": a command-driver service whose deploy step runs `sleep 60` in production;
//      meanwhile `1.1.0-bad` (20% 5xx) of sample-api canaries in staging at 20 req/s. Time from its
//      start to the decision and to rolled_back, checked while the 60 s step is still running.
//   2. Demo figures with the rollout form's default strategy (5/10/25/50/100, 20 s holds), 20 req/s:
//      (a) `1.1.0-bad` rolls back (time to decision / rolled_back, the sentence); (b) `1.1.0` promotes
//      (time to succeeded); (c) A/A: canaries of versions that behave exactly like the stable one
//      (1.0.1, 1.0.2, ...; the product refuses 1.0.0 -> 1.0.0), several at once in their own
//      environments, never roll back.
// Runs with `tsx --conditions=react-server`; about 5 minutes (`--quick`: one A/A round, ~3.5 minutes);
// `--keep` keeps the data directory (database, router logs) for a look afterwards.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { killDataPlane } from "@/tests/support/data-plane";
import { benchReporter, pct } from "./bench-report";

const quick = process.argv.includes("--quick");
const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-safety-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";
// As root, admin-defined commands run as nobody (lib/drivers/shell.ts): the command step's pid file
// lives in a directory it can write.
process.env.FLIGHTDECK_COMMAND_USER ??= "nobody";
const cmdDir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-safety-cmd-"));
chmodSync(cmdDir, 0o777);
// Port block of this bench: 10000-11999, below the ephemeral range and every test's block; 500 per run
// (environment k's router on base + 100 * (k - 1), its versions on +10/+11, admin on +1).
const base = 10_000 + Math.floor(Math.random() * 4) * 500;
process.env.FLIGHTDECK_DEMO_ROUTER_PORT = String(base); // the seeded sample-api's router port
const procs: ChildProcess[] = [];
let commandPid = 0;

const { report, rows } = benchReporter({ quick, width: 46 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => ms / 1000;

const { getDb, getSqlite } = await import("@/db/client");
const { seedDemo } = await import("@/db/seed");
const { findServiceByName, findEnvironmentByName } = await import("@/db/queries/catalog");
const { findRollout } = await import("@/db/queries/rollouts");
const { listDecisions } = await import("@/db/queries/analysis");
const { findUserByEmail, rolesOfUser } = await import("@/db/queries/users");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { createService } = await import("@/lib/services/services/create-service");
const { createEnvironment } = await import("@/lib/services/environments/create-environment");
const { startRolloutInput } = await import("@/lib/domain/rollout/inputs");
const { environmentInput, serviceInput } = await import("@/lib/domain/catalog-inputs");
const { localRouterPort } = await import("@/lib/domain/deploy-target");
const { DEMO_ANALYSIS_INPUT } = await import("@/lib/domain/analysis/config");
const { ConflictError } = await import("@/lib/errors");
const { startWorker } = await import("@/lib/jobs/worker");
const { ROLLOUT_JOB, ANALYSIS_TICK_JOB } = await import("@/lib/jobs/kinds");

const db = getDb();
const sqlite = getSqlite();
await seedDemo(db);
const actor = (email: string) => {
  const u = findUserByEmail(db, email)!;
  return { kind: "user" as const, id: u.id, email: u.email, name: u.name, roles: rolesOfUser(db, u.id) as never[] };
};
const captain = actor("captain@flightdeck.local");
const admin = actor("admin@flightdeck.local");
const sampleApi = findServiceByName(db, "sample-api")!;
const staging = findEnvironmentByName(db, "staging")!;
const production = findEnvironmentByName(db, "production")!;
const storedConfig = sqlite.prepare("SELECT config FROM service_analysis WHERE service_id = ?").pluck().get(sampleApi.id) as string;
if (storedConfig !== JSON.stringify(DEMO_ANALYSIS_INPUT)) throw new Error(`sample-api's analysis config is not the demo's: ${storedConfig}`);

/** The rollout form's default strategy (app/(dashboard)/rollouts/page.tsx DEFAULT_STRATEGY). */
const DEFAULT_STRATEGY = { kind: "canary", steps: [5, 10, 25, 50, 100].map((weight) => ({ weight, holdSeconds: weight === 100 ? 0 : 20 })) };
const HOLDS_S = DEFAULT_STRATEGY.steps.reduce((a, st) => a + st.holdSeconds, 0);
const DIRECT = { kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] };
const TERMINAL = ["succeeded", "rolled_back", "failed", "paused"];

const start = (serviceId: number, environmentId: number, version: string, strategy: object, key: string) =>
  startRollout(captain, startRolloutInput.parse({ serviceId, environmentId, version, strategy, idempotencyKey: `bench-safety-${key}` })).rollout;

/** The weight of each rollout while it last ran (the rollout row keeps only its final weight). */
const runningWeight = new Map<number, number>();
async function settled(id: number, timeoutMs: number, statuses = TERMINAL) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = findRollout(db, id)!;
    if (r.status === "running") runningWeight.set(id, r.weight);
    if (statuses.includes(r.status)) return r;
    if (Date.now() > end) return r;
    await sleep(50);
  }
}

function traffic(environmentId: number) {
  const port = localRouterPort(base, environmentId);
  const p = spawn(process.execPath, ["lib/drivers/local/traffic.mjs"], { env: { ...process.env, TRAFFIC_URL: `http://127.0.0.1:${port}/api/bench-safety`, TRAFFIC_RPS: "20" }, stdio: "ignore" });
  procs.push(p);
}

const alive = (pid: number) => {
  if (!(pid > 0)) return false; // kill(0) would signal our own process group
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const jobStatuses = (kind: string, rolloutId: number) =>
  sqlite.prepare("SELECT status FROM jobs WHERE kind = ? AND json_extract(payload, '$.rolloutId') = ? ORDER BY id").pluck().all(kind, rolloutId) as string[];
/** Largest gap between consecutive analysis evaluations of a rollout (finished tick jobs) within [from, to]. */
function maxTickGap(rolloutId: number, from: number, to: number): { gap: number; ticks: number } {
  const at = sqlite
    .prepare("SELECT finished_at FROM jobs WHERE kind = ? AND json_extract(payload, '$.rolloutId') = ? AND status = 'succeeded' AND finished_at BETWEEN ? AND ? ORDER BY finished_at")
    .pluck()
    .all(ANALYSIS_TICK_JOB, rolloutId, from, to) as number[];
  let gap = 0;
  for (let i = 1; i < at.length; i++) gap = Math.max(gap, at[i]! - at[i - 1]!);
  return { gap, ticks: at.length };
}

/**
 * A bad canary's figures: start -> decision, start -> rolled_back, and decision -> the router's first
 * rollback op (weight 0: traffic off the canary; a gradual rollback removes the canary after its drain).
 */
async function badFigures(id: number) {
  const r = findRollout(db, id)!;
  const d = listDecisions(db, id).find((x) => x.outcome.startsWith("rollback"));
  if (r.status !== "rolled_back" || !d || r.finishedAt === null) throw new Error(`bad canary #${id} ended ${r.status} (${r.reason ?? "no reason"}) without an automatic rollback`);
  const state = (await (await fetch(`http://127.0.0.1:${localRouterPort(base, r.environmentId) + 1}/state`)).json()) as { ops: { opId: string; at: number; weight: number }[] };
  const zero = state.ops.find((o) => o.opId.startsWith(`rollout:${id}:rollback`));
  if (!zero) throw new Error(`bad canary #${id}: the router has no rollback op`);
  return { toDecision: d.at - r.createdAt, toRolledBack: r.finishedAt - r.createdAt, decisionToWeight0: zero.at - d.at, sentence: d.sentence, weightAtDecision: runningWeight.get(id) ?? r.weight };
}

/** 1. A 60 s command-driver step in production while a bad canary in staging must roll back. */
async function safetyNeverWaits() {
  const pidFile = path.join(cmdDir, "deploy.pid");
  // `exec` keeps the shell's pid ($$) for the sleep, so the bench can see it is still running.
  const deployTarget = {
    driver: "command",
    commands: { deploy: `echo $$ > '${pidFile}'; echo deploying {{version}}: sleep 60; exec sleep 60`, setWeight: "echo weight={{weight}}", promote: "echo promoted {{version}}", rollback: "echo back to {{stableVersion}}", status: "echo weight=100" },
    timeoutSeconds: 300,
  };
  const slow = createService(admin, serviceInput.parse({ name: "slow-deploy", owner: "Platform team", description: "Command driver; its deploy step takes 60 s.", deployTarget: JSON.stringify(deployTarget) }));
  const cmd = start(slow.id, production.id, "2.0.0", DIRECT, "slow-deploy");
  const stepEnd = Date.now() + 30_000;
  while (!existsSync(pidFile) || !alive((commandPid = Number(readFileSync(pidFile, "utf8").trim())))) {
    if (Date.now() > stepEnd) throw new Error(`the command step never started (rollout ${findRollout(db, cmd.id)!.status})`);
    await sleep(20);
  }
  const stepStarted = Date.now();
  const bad = start(sampleApi.id, staging.id, "1.1.0-bad", DEFAULT_STRATEGY, "bad-during-step");
  const done = await settled(bad.id, 90_000, ["rolled_back", "succeeded", "failed", "paused"]);
  // The moment it is rolled back: the 60 s step must still be running (its process and its job).
  const stillRunning = alive(commandPid) && jobStatuses(ROLLOUT_JOB.step, cmd.id).includes("running");
  const stepElapsed = Date.now() - stepStarted;
  const f = await badFigures(done.id);
  const ticks = maxTickGap(bad.id, bad.createdAt, done.finishedAt!);
  report("safety.during_60s_step.bad_to_rolled_back", s(f.toRolledBack), "s", 30, "lower");
  report("safety.during_60s_step.bad_to_decision", s(f.toDecision), "s", null, "lower");
  report("safety.during_60s_step.decision_to_weight_0", f.decisionToWeight0, "ms", 2000, "lower");
  report("safety.during_60s_step.step_still_running", stillRunning ? 1 : 0, "yes=1", 1, "higher");
  report("safety.during_60s_step.max_tick_gap", ticks.gap, "ms", null, "lower");
  rows.push(`(1: slow-deploy's deploy step \`sleep 60\` (command driver, production) ran for ${s(stepElapsed).toFixed(1)} s when 1.1.0-bad (staging) was rolled back; step ${stillRunning ? "STILL RUNNING" : "NOT running"};`);
  rows.push(` ${ticks.ticks} analysis ticks of the bad canary meanwhile; decided at ${f.weightAtDecision}% weight: "${f.sentence}")`);
  return { cmd, stepStarted };
}

/**
 * 2a. `1.1.0-bad` with the form's default strategy rolls back by itself: in staging and, at the same
 * time, in each A/A environment (one run is one draw of a random process; these are independent).
 */
async function demoBad(envIds: number[]) {
  const runs = await Promise.all(
    envIds.map(async (envId) => {
      const bad = start(sampleApi.id, envId, "1.1.0-bad", DEFAULT_STRATEGY, `demo-bad-${envId}`);
      await settled(bad.id, 150_000);
      return await badFigures(bad.id);
    }),
  );
  const first = runs[0]!;
  report("safety.demo.bad_to_decision", s(first.toDecision), "s", null, "lower");
  report("safety.demo.bad_to_rolled_back", s(first.toRolledBack), "s", 30, "lower");
  report(`safety.demo.bad_to_rolled_back.p50_of_${runs.length}`, s(pct(runs.map((f) => f.toRolledBack), 50)), "s", 30, "lower");
  report(`safety.demo.bad_to_rolled_back.max_of_${runs.length}`, s(Math.max(...runs.map((f) => f.toRolledBack))), "s", 30, "lower");
  report(`safety.demo.decision_to_weight_0.max_of_${runs.length}`, Math.max(...runs.map((f) => f.decisionToWeight0)), "ms", 2000, "lower");
  rows.push(`(2a: 1.1.0-bad, steps 5/10/25/50/100 with 20 s holds, 20 req/s (a 5% step: ~1 canary request/s), demo analysis config; staging decided at ${first.weightAtDecision}% weight:`);
  rows.push(` "${first.sentence}")`);
  rows.push(`(2a: ${runs.length} runs at once (staging, aa-1..3): rolled back after ${runs.map((f) => `${s(f.toRolledBack).toFixed(1)} s (at ${f.weightAtDecision}%, ${/\((\S+), sustained/.exec(f.sentence)?.[1] ?? "?"})`).join(", ")})`);
}

/** 2b. `1.1.0` promotes through every step. */
async function demoGood() {
  const good = start(sampleApi.id, staging.id, "1.1.0", DEFAULT_STRATEGY, "demo-good");
  const r = await settled(good.id, 240_000);
  return { status: r.status, reason: r.reason, ms: (r.finishedAt ?? Date.now()) - r.createdAt };
}

/** 2c. A/A canaries in their own environments, `rounds` after one another: outcome and duration of each. */
async function aaRuns(envIds: number[], rounds: number) {
  const outcomes: { status: string; ms: number; reason: string | null }[] = [];
  await Promise.all(
    envIds.map(async (envId) => {
      for (let k = 1; k <= rounds; k++) {
        const r = start(sampleApi.id, envId, `1.0.${k}`, DEFAULT_STRATEGY, `aa-${envId}-${k}`);
        const done = await settled(r.id, 240_000);
        outcomes.push({ status: done.status, ms: (done.finishedAt ?? Date.now()) - done.createdAt, reason: done.reason });
        if (done.status !== "succeeded") return; // a live or rolled-back canary ends this environment's runs
      }
    }),
  );
  return outcomes;
}

const runner = startWorker(db, { owner: "bench-safety" });
const stopAll = () => {
  for (const p of procs) p.kill("SIGKILL");
  if (commandPid && alive(commandPid)) process.kill(commandPid, "SIGKILL");
  killDataPlane(dir);
};
process.once("SIGINT", () => {
  stopAll();
  process.exit(130);
});
const t0 = Date.now();
let failed = false;
try {
  // Stable 1.0.0 of sample-api in staging, with demo traffic.
  const baseline = await settled(start(sampleApi.id, staging.id, "1.0.0", DIRECT, "base-staging").id, 60_000);
  if (baseline.status !== "succeeded") throw new Error(`1.0.0 in staging ended ${baseline.status}: ${baseline.reason ?? ""}`);
  traffic(staging.id);
  await sleep(2000);

  const { cmd, stepStarted } = await safetyNeverWaits();

  // While the 60 s step finishes: environments for the A/A runs, each with stable 1.0.0.
  const aaEnvs = [1, 2, 3].map((k) => createEnvironment(admin, environmentInput.parse({ name: `aa-${k}`, description: "A/A canaries (bench)", production: false, sortOrder: 10 + k })).id);
  const aaBase = await Promise.all(aaEnvs.map((id) => settled(start(sampleApi.id, id, "1.0.0", DIRECT, `base-${id}`).id, 60_000)));
  for (const r of aaBase) if (r.status !== "succeeded") throw new Error(`1.0.0 in environment ${r.environmentId} ended ${r.status}: ${r.reason ?? ""}`);
  try {
    start(sampleApi.id, aaEnvs[0]!, "1.0.0", DEFAULT_STRATEGY, "aa-same");
    rows.push("(2c: 1.0.0 -> 1.0.0 was accepted)");
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    rows.push(`(2c: 1.0.0 -> 1.0.0 is refused ("${err.message}"): A/A canaries run 1.0.1, 1.0.2, ..., which the sample service serves exactly like 1.0.0)`);
  }
  const cmdDone = await settled(cmd.id, 120_000, ["succeeded", "failed", "rolled_back"]);
  const stepRan = (sqlite.prepare("SELECT max(finished_at) FROM jobs WHERE kind = ? AND json_extract(payload, '$.rolloutId') = ? AND json_extract(payload, '$.stepIndex') = 0").pluck().get(ROLLOUT_JOB.step, cmd.id) as number) - stepStarted;
  report("safety.command_step.duration", s(stepRan), "s", null, "lower");
  rows.push(`(slow-deploy 2.0.0 then ${cmdDone.status}; its deploy step ran ${s(stepRan).toFixed(1)} s)`);

  for (const id of aaEnvs) traffic(id);
  await sleep(2000);
  await demoBad([staging.id, ...aaEnvs]);

  // 2b and 2c at once: 1.1.0 in staging, A/A canaries in aa-1..3 (each with its own 20 req/s).
  const rounds = quick ? 1 : 2;
  const [good, aa] = await Promise.all([demoGood(), aaRuns(aaEnvs, rounds)]);
  report("safety.demo.good_to_succeeded", s(good.ms), "s", null, "lower");
  report("safety.demo.good_promoted", good.status === "succeeded" ? 1 : 0, "yes=1", 1, "higher");
  rows.push(`(2b: 1.1.0 ${good.status === "succeeded" ? "promoted" : `ended ${good.status} (${good.reason ?? "no reason"})`} through 5/10/25/50/100; the holds alone are ${HOLDS_S} s; ran beside the A/A canaries)`);
  const rollbacks = aa.filter((o) => o.status === "rolled_back" || o.status === "rolling_back").length;
  const other = aa.filter((o) => o.status !== "succeeded" && o.status !== "rolled_back");
  report("safety.aa.rollbacks", rollbacks, "rollbacks", 0, "lower");
  report("safety.aa.runs", aa.length, "runs", null, "higher");
  report("safety.aa.not_promoted_other", other.length, "runs", null, "lower");
  const promoted = aa.filter((o) => o.status === "succeeded").map((o) => o.ms);
  if (promoted.length) report("safety.aa.to_succeeded.p50", s(pct(promoted, 50)), "s", null, "lower");
  rows.push(`(2c: ${aa.length} A/A canaries (${aaEnvs.length} environments x ${rounds} round(s)), default strategy, 20 req/s each: ${aa.map((o) => o.status).join(", ")})`);
  for (const o of aa.filter((x) => x.status !== "succeeded")) rows.push(`  ${o.status}: ${o.reason ?? "no reason"}`);
} catch (err) {
  failed = true;
  console.error(err);
  rows.push(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  stopAll();
  await runner.stop();
  stopAll(); // a version a last job started while stopping
}
console.log("\nSafety benchmarks (issue 9): real worker, local driver, router and traffic");
console.log(`${"metric".padEnd(46)} ${"value".padStart(12)} ${"unit".padEnd(10)} ${"target".padStart(10)}`);
for (const r of rows) console.log(r);
console.log(`(whole bench ${Math.round(s(Date.now() - t0))} s)`);
if (process.argv.includes("--keep")) console.log(`(data kept in ${dir})`);
else rmSync(dir, { recursive: true, force: true });
rmSync(cmdDir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
