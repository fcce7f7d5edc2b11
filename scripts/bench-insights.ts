// Insights benchmark (issue 14, item 4): server time of the Insights view (`insightsFor`, what the
// /insights page and /api/insights/export call) on a database with 10,000 releases over 90 days,
// their staging and production rollouts (succeeded, rolled back, failed, still running), incidents,
// and 1,000,000 audit events in all: the rollout and release events the view reads (the machine
// events of each rollout, replayed through the real machine; the release's phase changes) and
// filler of other kinds, many on the same subjects (analysis decisions, approvals, sign-ins ...).
// The audit hash chain is not what is measured (the view never verifies it), so the events are
// written straight into the table, in time order, with placeholder hashes.
// Cases: all services 30 days, one service 90 days, one service + environment 7 days, and the CSV
// export (insightsFor + releasesCsv, as the route builds it); 30 timed calls each after 3 warm-ups.
// Prints p50/p95/max per case and appends one line per case to bench-results.jsonl.
// Usage: ./node_modules/.bin/tsx --conditions=react-server scripts/bench-insights.ts [--quick] [--keep]
//   --quick: 10 timed calls per case; --keep: keep the temp database (its path is printed).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "@/db/connection";
import { insertEnvironment, insertService, listServices } from "@/db/queries/catalog";
import { insertUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { releasesCsv } from "@/lib/domain/insights/csv";
import { type RolloutEvent, type RolloutState, initialState, transition } from "@/lib/domain/rollout/machine";
import { type PlanStep, planOf, strategySchema } from "@/lib/domain/rollout/strategy";
import { AUDIT_OF } from "@/lib/domain/rollout/audit-of";
import { backfillTimeFacts } from "@/lib/services/insights/time-facts";
import { insightsFor } from "@/lib/views/insights";
import { benchReporter, pct } from "./bench-report";

const quick = process.argv.includes("--quick");
const keep = process.argv.includes("--keep");
const RELEASES = 10_000;
const AUDIT_EVENTS = 1_000_000;
const SERVICES = 4;
const DAYS = 90;
const RUNS = quick ? 10 : 30;
const WARMUP = 3;
const TARGET_P95_MS = 200;
const SEC = 1000;
const MIN = 60 * SEC;
const H = 60 * MIN;
const DAY = 24 * H;

// Deterministic pseudo-random stream (as scripts/bench.ts) so runs are comparable.
let seed = 42;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo));
const log = (s: string) => process.stdout.write(`${s}\n`);

const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-insights-"));
const file = path.join(dir, "insights.db");
const { db, sqlite } = openDatabase(file);
const NOW = Date.now();

// ---- history --------------------------------------------------------------------------------

const strategy = strategySchema.parse({ kind: "canary", steps: [{ weight: 10, holdSeconds: 600 }, { weight: 50, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] });
const STRATEGY_JSON = JSON.stringify(strategy);
const PLAN: PlanStep[] = planOf(strategy);
const PLAN_JSON = JSON.stringify(PLAN);

/** One audit event the view reads: [at, action, subjectType, subjectId, environment, details JSON]. */
type Ev = [number, string, "rollout" | "release", number, string | null, string];
const events: Ev[] = [];

type Outcome = "success" | "bad_canary" | "failed_left" | "failed_then_rolled_back";

/**
 * Walks a rollout through the real machine from `at`: step by step (holds a little over plan, the
 * analysis extending some), ending as `outcome` says. Events after NOW are not recorded (the
 * rollout still runs). Returns the state reached and when it ended.
 */
function driveRollout(id: number, env: string, version: string, at: number, outcome: Outcome, details: Record<string, unknown>) {
  let s: RolloutState = initialState();
  let t = at;
  let finishedAt: number | null = null;
  const apply = (e: RolloutEvent, extra: Record<string, unknown> = {}): boolean => {
    if (t > NOW) return false;
    const r = transition(PLAN, s, e, { rollbackOnFailure: false });
    if (!r.ok) throw new Error(`bench history: ${e.type} refused in ${s.status}: ${r.error}`);
    const action = r.next.status === "succeeded" ? "rollout.succeeded" : AUDIT_OF[e.type];
    events.push([t, action, "rollout", id, env, JSON.stringify({ ...extra, event: e, from: s.status, to: r.next.status, stepIndex: r.next.stepIndex, weight: r.next.weight, version })]);
    s = r.next;
    if (s.status === "succeeded" || s.status === "rolled_back") finishedAt = t;
    return true;
  };
  apply({ type: "start" }, details);
  const badAt = outcome === "success" ? -1 : between(1, 3); // the shift step where it goes wrong (10% or 50%)
  while (s.status === "running" || s.status === "pending") {
    if (s.stepIndex === badAt && outcome === "bad_canary" && s.phase === "hold") {
      t += between(60, 300) * SEC;
      if (!apply({ type: "abort", reason: "canary 5xx above 5%" })) break;
      t += between(20, 90) * SEC;
      apply({ type: "rollback_succeeded" });
      break;
    }
    if (s.stepIndex === badAt && outcome !== "bad_canary" && s.phase === "start") {
      t += between(5, 60) * SEC;
      if (!apply({ type: "step_failed", error: "smoke check failed: GET /health 503" })) break;
      if (outcome === "failed_then_rolled_back") {
        t += between(5, 120) * MIN; // waiting for the captain
        if (!apply({ type: "abort", reason: "captain gave up on the failed step" })) break;
        t += between(20, 90) * SEC;
        apply({ type: "rollback_succeeded" });
      }
      break;
    }
    if (s.phase === "hold") {
      const step = PLAN[s.stepIndex];
      const hold = step?.kind === "shift" ? step.holdMs : 0;
      t += hold + (rand() < 0.3 ? between(30, 900) * SEC : between(0, 10) * SEC);
      if (!apply({ type: "hold_elapsed", at: t })) break;
    } else {
      t += between(5, 90) * SEC;
      if (!apply({ type: "step_succeeded", at: t })) break;
    }
  }
  return { state: s, endAt: t, finishedAt: finishedAt as number | null };
}

const built = performance.now();
const counts = { rollouts: 0, incidents: 0, releaseEvents: 0, rolloutEvents: 0, filler: 0 };
let serviceIds: number[] = [];
let staging = 0;
let production = 0;

writeTransaction(db, (tx) => {
  const captain = insertUser(tx, { email: "captain@bench.local", name: "Captain", passwordHash: null, createdAt: NOW - DAYS * DAY - DAY });
  staging = insertEnvironment(tx, { name: "staging", sortOrder: 1, createdAt: NOW - DAYS * DAY - DAY }).id;
  production = insertEnvironment(tx, { name: "production", production: true, sortOrder: 2, createdAt: NOW - DAYS * DAY - DAY }).id;
  serviceIds = Array.from(
    { length: SERVICES },
    (_, i) => insertService(tx, { name: `svc-${i}`, owner: `Team ${i}`, deployTarget: JSON.stringify({ driver: "local" }), createdAt: NOW - DAYS * DAY - DAY, updatedAt: NOW - DAYS * DAY - DAY }).id,
  );

  const insRelease = sqlite.prepare(
    `INSERT INTO releases (service_id, version, commit_sha, change_log, rollback_plan, strategy, hotfix, status, phase_entered_at, created_by, created_at, updated_at)
     VALUES (?, ?, ?, 'Changes and fixes.', 'Redeploy the previous version.', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const setRelease = sqlite.prepare("UPDATE releases SET status = ?, phase_entered_at = ?, updated_at = ? WHERE id = ?");
  const insRollout = sqlite.prepare(
    `INSERT INTO rollouts (service_id, environment_id, release_id, from_version, to_version, strategy, plan, status, step_index, phase, weight, reason, failed_during, idempotency_key, created_by, created_at, updated_at, finished_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 'start', 0, NULL, NULL, ?, ?, ?, ?, NULL)`,
  );
  const setRollout = sqlite.prepare("UPDATE rollouts SET status = ?, step_index = ?, phase = ?, weight = ?, reason = ?, failed_during = ?, updated_at = ?, finished_at = ? WHERE id = ?");
  const insIncident = sqlite.prepare(
    `INSERT INTO incidents (title, kind, severity, status, service_id, environment_id, rollout_id, release_id, opened_at, detected_at, mitigated_at, resolved_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const rollout = (serviceId: number, envId: number, envName: string, releaseId: number | null, version: string, at: number, outcome: Outcome, details: Record<string, unknown> = {}) => {
    const id = Number(insRollout.run(serviceId, envId, releaseId, "0.9.0", version, STRATEGY_JSON, PLAN_JSON, `bench-${counts.rollouts}`, captain.id, at, at).lastInsertRowid);
    counts.rollouts++;
    const r = driveRollout(id, envName, version, at, outcome, details);
    const s = r.state;
    setRollout.run(s.status, s.stepIndex, s.phase, s.weight, s.reason, s.failedDuring, Math.min(r.endAt, NOW), r.finishedAt, id);
    return { id, ...r };
  };

  for (let i = 0; i < RELEASES; i++) {
    const serviceId = serviceIds[i % SERVICES]!;
    const createdAt = NOW - Math.floor(rand() * DAYS * DAY);
    const hotfix = rand() < 0.08;
    const version = `1.${Math.floor(i / 100)}.${i % 100}`;
    const releaseId = Number(insRelease.run(serviceId, version, (0x1000000 + i).toString(16).padStart(10, "0"), STRATEGY_JSON, hotfix ? 1 : 0, "preflight", createdAt, captain.id, createdAt, createdAt).lastInsertRowid);
    let status = "preflight";
    let phaseAt = createdAt;
    let t = createdAt;
    const advance = (to: string, action = "release.advance") => {
      if (t > NOW) return false;
      events.push([t, action, "release", releaseId, null, JSON.stringify({ from: status, to, version })]);
      status = to;
      phaseAt = t;
      return true;
    };
    const fate = rand();
    run: {
      t += between(5, 60) * MIN;
      if (!advance("staging_deploy")) break run;
      t += between(1, 10) * MIN;
      const stagingOutcome: Outcome = fate < 0.04 ? "bad_canary" : "success";
      const st = rollout(serviceId, staging, "staging", releaseId, version, t, stagingOutcome);
      t = st.endAt;
      if (st.state.status !== "succeeded") {
        if (st.state.status === "rolled_back") {
          t += between(1, 30) * MIN;
          advance("aborted", "release.abort");
        }
        break run;
      }
      t += between(1, 5) * MIN;
      if (!advance("staging_soak")) break run;
      t += hotfix ? 15 * MIN + between(0, 30) * MIN : DAY + between(0, 6 * 60) * MIN;
      if (!advance("production_approval")) break run;
      t += between(10, 8 * 60) * MIN;
      if (fate >= 0.04 && fate < 0.06) {
        advance("aborted", "release.abort"); // rejected at approval
        break run;
      }
      if (!advance("production_rollout")) break run;
      t += between(1, 10) * MIN;
      const prodOutcome: Outcome = fate < 0.13 ? "bad_canary" : fate < 0.14 ? "failed_then_rolled_back" : fate < 0.145 ? "failed_left" : "success";
      const pr = rollout(serviceId, production, "production", releaseId, version, t, prodOutcome);
      t = pr.endAt;
      if (pr.state.status === "rolled_back") {
        // K2: a production rollback opens its incident; the previous version is redeployed as a restoration.
        const detected = t - between(60, 400) * SEC;
        const mitigated = t + between(1, 20) * MIN;
        const resolved = mitigated + between(1, 48) * H;
        insIncident.run(`Rollback of ${version}`, "rollback", "P2", resolved < NOW ? "resolved" : "mitigated", serviceId, production, pr.id, releaseId, t, detected, Math.min(mitigated, NOW), resolved < NOW ? resolved : null, Math.min(resolved, NOW));
        counts.incidents++;
        if (rand() < 0.5 && t + 5 * MIN < NOW) rollout(serviceId, production, "production", null, `${version}-restore`, t + between(2, 10) * MIN, "success", { rollback: true });
        t += between(1, 10) * MIN;
        advance("rolled_back", "release.abort");
        break run;
      }
      if (pr.state.status !== "succeeded") break run;
      t += between(1, 3) * MIN;
      if (!advance("monitoring")) break run;
      t += H + between(0, 30) * MIN;
      advance("completed");
    }
    setRelease.run(status, phaseAt, Math.min(Math.max(phaseAt, t), NOW), releaseId);
  }

  // Outages opened by hand (no rollout): the time to restore service.
  for (let k = 0; k < 120; k++) {
    const opened = NOW - Math.floor(rand() * DAYS * DAY);
    const mitigated = opened + between(5, 180) * MIN;
    insIncident.run("Checkout errors", "outage", rand() < 0.3 ? "P1" : "P2", mitigated < NOW ? "resolved" : "open", serviceIds[k % SERVICES]!, production, null, null, opened, opened - between(1, 15) * MIN, mitigated < NOW ? mitigated : null, mitigated < NOW ? mitigated + H : null, Math.min(mitigated + H, NOW));
    counts.incidents++;
  }

  // The audit table, in time order: the events above with filler between them up to 1,000,000.
  events.sort((a, b) => a[0] - b[0]);
  const insAudit = sqlite.prepare(
    `INSERT INTO audit_events (created_at, actor_id, actor_label, roles, action, subject_type, subject_id, environment, details, request_id, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
  );
  const HASH = "0".repeat(64);
  const WORKER_ROLES = "[]";
  const CAPTAIN_ROLES = '["release_captain"]';
  const ROLLOUT_FILLER = ["analysis.decision", "analysis.decision", "analysis.decision", "rollout.gates_evaluated", "rollout.hook_passed", "driver.reconcile"];
  const RELEASE_FILLER = ["approval.request", "approval.grant", "release.update", "preflight.check", "gate.would_block"];
  const OTHER_FILLER = ["auth.sign_in", "auth.sign_out", "health.changed", "notification.delivered", "incident.note", "flag.update"];
  const fillerTotal = AUDIT_EVENTS - events.length;
  let prevAt = NOW - DAYS * DAY - DAY;
  let fillerDone = 0;
  for (let k = 0; k < events.length; k++) {
    const e = events[k]!;
    // Filler spread evenly between this event and the previous one, mostly on the same subject.
    const due = Math.floor(((k + 1) * fillerTotal) / events.length) - fillerDone;
    for (let f = 0; f < due; f++) {
      const at = prevAt + Math.floor(((e[0] - prevAt) * (f + 1)) / (due + 1));
      const x = rand();
      if (x < 0.45) insAudit.run(at, null, "worker", WORKER_ROLES, ROLLOUT_FILLER[f % ROLLOUT_FILLER.length]!, "rollout", String(e[2] === "rollout" ? e[3] : between(1, counts.rollouts)), e[4] ?? "production", '{"verdict":"pass"}', HASH, HASH);
      else if (x < 0.7) insAudit.run(at, captain.id, "captain@bench.local", CAPTAIN_ROLES, RELEASE_FILLER[f % RELEASE_FILLER.length]!, "release", String(e[2] === "release" ? e[3] : between(1, RELEASES)), null, '{"role":"sentinel"}', HASH, HASH);
      else insAudit.run(at, captain.id, "captain@bench.local", CAPTAIN_ROLES, OTHER_FILLER[f % OTHER_FILLER.length]!, "user", String(captain.id), null, "{}", HASH, HASH);
    }
    fillerDone += due;
    insAudit.run(e[0], e[2] === "rollout" ? null : captain.id, e[2] === "rollout" ? "worker" : "captain@bench.local", e[2] === "rollout" ? WORKER_ROLES : CAPTAIN_ROLES, e[1], e[2], String(e[3]), e[4], e[5], HASH, HASH);
    if (e[2] === "rollout") counts.rolloutEvents++;
    else counts.releaseEvents++;
    prevAt = e[0];
  }
  counts.filler = fillerDone;
});
// The time facts of finished rollouts and ended releases, as the rollout and release services store
// them when each one ends (here all at once, as `npm run migrate` backfills an older database).
const factsStarted = performance.now();
const facts = backfillTimeFacts(db, NOW);
const factsMs = performance.now() - factsStarted;
sqlite.pragma("wal_checkpoint(TRUNCATE)");
const buildMs = performance.now() - built;
const totalAudit = sqlite.prepare("SELECT count(*) FROM audit_events").pluck().get() as number;

// ---- timing ---------------------------------------------------------------------------------

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const svc = String(serviceIds[1]);
const names = new Map(listServices(db).map((s) => [s.id, s.name]));
const CASES: { name: string; metric: string; call: () => number }[] = [
  {
    name: "all services, all environments, 30 days",
    metric: "insights.all_30d",
    call: () => must(insightsFor(db, { environment: "all", from: day(NOW - 29 * DAY), to: day(NOW) }, NOW)).releases.length,
  },
  {
    name: "one service, all environments, 90 days",
    metric: "insights.service_90d",
    call: () => must(insightsFor(db, { service: svc, environment: "all", from: day(NOW - 89 * DAY), to: day(NOW) }, NOW)).releases.length,
  },
  {
    name: "one service, production, 7 days",
    metric: "insights.service_env_7d",
    call: () => must(insightsFor(db, { service: svc, environment: String(production), from: day(NOW - 6 * DAY), to: day(NOW) }, NOW)).releases.length,
  },
  {
    name: "CSV export (releases), all services, 30 days",
    metric: "insights.export_csv_30d",
    call: () => {
      const r = must(insightsFor(db, { environment: "all", from: day(NOW - 29 * DAY), to: day(NOW) }, NOW));
      return releasesCsv(r.releases.map((x) => ({ ...x, service: names.get(x.serviceId) ?? String(x.serviceId) }))).length;
    },
  },
];

function must(r: ReturnType<typeof insightsFor>) {
  if (!r.ok) throw new Error(`Insights refused the bench's query: ${r.reason}`);
  return r.insights;
}

const { report, rows } = benchReporter({ quick, width: 36 });
let failed = 0;
const lines: string[] = [];
for (const c of CASES) {
  let size = 0;
  for (let i = 0; i < WARMUP; i++) size = c.call();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    size = c.call();
    times.push(performance.now() - s);
  }
  const p50 = pct(times, 50);
  const p95 = pct(times, 95);
  const max = Math.max(...times);
  if (p95 > TARGET_P95_MS) failed++;
  report(`${c.metric}.p50`, p50, "ms", null, "lower");
  report(`${c.metric}.p95`, p95, "ms", TARGET_P95_MS, "lower");
  report(`${c.metric}.max`, max, "ms", null, "lower");
  lines.push(`${c.name.padEnd(46)} p50 ${p50.toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  max ${max.toFixed(1).padStart(7)} ms  (${size.toLocaleString("en-US")} ${c.metric.includes("csv") ? "bytes" : "releases"})`);
}

log(`Flightdeck Insights benchmark${quick ? " (--quick)" : ""}: insightsFor x ${RUNS} per case after ${WARMUP} warm-up calls`);
log(
  `data: ${RELEASES.toLocaleString("en-US")} releases over ${DAYS} days and ${SERVICES} services, ${counts.rollouts.toLocaleString("en-US")} rollouts, ${counts.incidents} incidents, ${totalAudit.toLocaleString("en-US")} audit events (${counts.rolloutEvents.toLocaleString("en-US")} rollout + ${counts.releaseEvents.toLocaleString("en-US")} release events the view reads, ${counts.filler.toLocaleString("en-US")} filler); built in ${(buildMs / 1000).toFixed(1)} s, ${(statSync(file).size / 1e6).toFixed(0)} MB`,
);
log(
  `time facts stored for ${facts.rollouts.toLocaleString("en-US")} finished rollouts and ${facts.releases.toLocaleString("en-US")} ended releases in ${(factsMs / 1000).toFixed(1)} s (${((factsMs * 1000) / (facts.rollouts + facts.releases)).toFixed(0)} µs each: the cost added to the transaction that ends one)`,
);
log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
for (const l of lines) log(l);
log("");
for (const r of rows) log(r);
log(`target p95 <= ${TARGET_P95_MS} ms: ${failed ? `MISSED in ${failed} case(s)` : "PASS"}`);

sqlite.close();
if (keep) log(`kept ${file}`);
else rmSync(dir, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
