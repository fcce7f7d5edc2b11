// Benchmarks of the audit log (DESIGN §4: scripts, not timed tests). Prints a table and appends
// every figure as a JSON line {"metric","value","unit","target","better"} to bench-results.jsonl.
// Usage: npm run bench [-- --quick] [-- --keep]
//   --quick: fewer events, for smoke runs (metrics prefixed "quick."); --keep: keep the temp databases.
//   (a) audit appends per second, one BEGIN IMMEDIATE transaction per event (synchronous=FULL)
//   (b) generation of a 1,000,000-event chain, then full chain verification (the CLI and the badge);
//   (b2) signed checkpoints: the first over the whole chain, then 10-event ones; verification
//        against them; an offline bundle exported and verified (target: 1,000,000 events <= 5 s)
//   (c) the Audit page's server queries at 1,000,000 events: p95 over 200 runs per filter
// Figures are wall-clock on a shared machine: the load average is printed with them.
import { randomUUID } from "node:crypto";
import { appendFileSync, closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "@/db/connection";
import { listAuditEvents } from "@/db/queries/audit";
import { listEnvironments } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { auditBundleLines, verifyAuditBundle } from "@/lib/audit/bundle";
import { signAuditCheckpoint } from "@/lib/audit/checkpoint";
import { loadOrCreateSigningKey, readCheckpointLines, trailFilesFor } from "@/lib/audit/trail-files";
import { verifyAuditChain, verifyAuditTrail } from "@/lib/audit/verify";
import { type AnyActor, actorLabel } from "@/lib/domain/actor";
import type { AuditAction } from "@/lib/domain/audit-actions";
import { GENESIS_HASH, canonicalJson, hashEvent } from "@/lib/domain/audit-chain";
import { auditQuerySchema } from "@/lib/domain/audit-filter";

const quick = process.argv.includes("--quick");
/** --keep leaves the temp databases in place for inspection (their folder is printed). */
const keep = process.argv.includes("--keep");
const APPEND_EVENTS = quick ? 1_000 : 5_000;
const CHAIN_EVENTS = quick ? 100_000 : 1_000_000;
/** Events of the big chain written through recordAudit itself; the rest by the bulk writer. */
const RECORD_AUDIT_EVENTS = quick ? 20_000 : 50_000;
const BATCH = 10_000;
const PAGE_RUNS = quick ? 50 : 200;
/** A scenario stops early after this long (a slow query would otherwise take minutes). */
const PAGE_BUDGET_MS = quick ? 3_000 : 10_000;
const RESULTS = path.resolve(process.cwd(), "bench-results.jsonl");

type Better = "lower" | "higher";
interface Figure {
  metric: string;
  value: number;
  unit: string;
  target: number | null;
  better: Better;
}
const figures: Figure[] = [];

function report(metric: string, value: number, unit: string, target: number | null, better: Better): void {
  const fig = { metric: quick ? `quick.${metric}` : metric, value: Number(value.toFixed(3)), unit, target, better };
  figures.push(fig);
  appendFileSync(RESULTS, `${JSON.stringify(fig)}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

// Deterministic pseudo-random stream so every run stores the same kind of log.
let seed = 42;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

// A realistic mix: sign-ins dominate, exports and user administration are rare.
const ACTION_WEIGHTS: [AuditAction, number][] = [
  ["auth.sign_in", 300],
  ["auth.sign_out", 150],
  ["auth.sign_in_failed", 40],
  ["auth.sign_in_throttled", 5],
  ["authz.denied", 30],
  ["service.update", 120],
  ["service.create", 20],
  ["service.delete", 5],
  ["environment.update", 40],
  ["environment.create", 5],
  ["environment.delete", 2],
  ["role.grant", 80],
  ["role.revoke", 40],
  ["user.create", 20],
  ["user.disable", 10],
  ["user.enable", 10],
  ["user.password_reset", 20],
  ["audit.export", 1],
  ["system.seed", 102],
];
const WEIGHT_TOTAL = ACTION_WEIGHTS.reduce((n, [, w]) => n + w, 0);
function pickAction(): AuditAction {
  let r = rand() * WEIGHT_TOTAL;
  for (const [a, w] of ACTION_WEIGHTS) if ((r -= w) < 0) return a;
  return "system.seed";
}

const USERS: AnyActor[] = Array.from({ length: 50 }, (_, i) => ({
  kind: "user" as const,
  id: i + 1,
  email: `user${String(i).padStart(2, "0")}@example.com`,
  name: `User ${i}`,
  roles: i % 10 === 0 ? ["admin"] : i % 3 === 0 ? ["release_captain", "sentinel"] : ["developer"],
}));
const SYSTEM: AnyActor = { kind: "system", label: "system" };
const WORKER: AnyActor = { kind: "system", label: "worker" };
const ENVIRONMENTS = ["production", "staging", "qa", "perf"];

function randomEvent(at: number) {
  const r = rand();
  const actor = r < 0.1 ? SYSTEM : r < 0.2 ? WORKER : USERS[Math.floor(rand() * USERS.length)]!;
  const action = pickAction();
  const env = rand();
  return {
    actor,
    action,
    subjectType: action.split(".")[0],
    subjectId: Math.floor(rand() * 500),
    environment: env < 0.4 ? "production" : env < 0.7 ? "staging" : env < 0.8 ? ENVIRONMENTS[2 + Math.floor(rand() * 2)] : undefined,
    details: { step: Math.floor(rand() * 10), weight: Math.floor(rand() * 100), reason: "benchmark event", tags: ["a", "b"] },
    at,
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-"));
const started = performance.now();
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
log(`Flightdeck audit benchmark${quick ? " (--quick)" : ""}: temp databases in ${dir}; load average ${load()}`);

try {
  // (a) Appends, each in its own IMMEDIATE transaction with synchronous=FULL (one fsync per commit).
  function appendRun(file: string, synchronous?: "NORMAL"): { rate: number; p99: number; seconds: number } {
    const { db, sqlite } = openDatabase(file);
    if (synchronous) sqlite.pragma(`synchronous = ${synchronous}`);
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < APPEND_EVENTS; i++) {
      const s = performance.now();
      writeTransaction(db, (tx) => recordAudit(tx, randomEvent(Date.now())));
      latencies.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((x, y) => x - y);
    const check = verifyAuditChain(sqlite);
    if (!check.intact || check.checked !== APPEND_EVENTS) throw new Error(`append chain broken: ${JSON.stringify(check)}`);
    sqlite.close();
    return { rate: APPEND_EVENTS / seconds, p99: percentile(latencies, 99), seconds };
  }
  {
    const full = appendRun(path.join(dir, "append.db"));
    report("audit.append.rate", full.rate, "events/s", 2000, "higher");
    report("audit.append.commit_p99", full.p99, "ms", null, "lower");
    log(`(a) ${fmt(APPEND_EVENTS)} appends in ${full.seconds.toFixed(2)} s (openDatabase: WAL, synchronous=FULL)`);
    // What-if, not the product setting: WAL with synchronous=NORMAL (no fsync per commit).
    const normal = appendRun(path.join(dir, "append-normal.db"), "NORMAL");
    report("audit.append.rate_if_synchronous_normal", normal.rate, "events/s", null, "higher");
    log(`    same with synchronous=NORMAL (what-if): ${normal.seconds.toFixed(2)} s`);
  }

  // (b) A large chain: batched transactions of BATCH recordAudit calls, then full verification.
  const bigFile = path.join(dir, "chain.db");
  const { db, sqlite } = openDatabase(bigFile);
  {
    const end = Date.now();
    const span = 365 * 24 * 3600 * 1000; // one year of history, oldest first
    const atOf = (n: number) => end - span + Math.floor((n / CHAIN_EVENTS) * span);

    // First part through the product's recordAudit, in transactions of BATCH events.
    let t0 = performance.now();
    for (let done = 0; done < RECORD_AUDIT_EVENTS; done += BATCH) {
      const n = Math.min(BATCH, RECORD_AUDIT_EVENTS - done);
      writeTransaction(db, (tx) => {
        for (let i = 0; i < n; i++) recordAudit(tx, randomEvent(atOf(done + i)));
      });
    }
    const recordSeconds = (performance.now() - t0) / 1000;
    report("audit.generate.record_audit.rate", RECORD_AUDIT_EVENTS / recordSeconds, "events/s", null, "higher");

    // The rest by a bulk writer that builds exactly the row recordAudit builds (same canonical
    // JSON, same hashEvent, continuing the chain) with one prepared INSERT: recordAudit's two
    // Drizzle queries per event would make a million events take minutes. verifyAuditChain
    // below proves the result is one valid chain.
    const insert = sqlite.prepare(
      "INSERT INTO audit_events (id, created_at, actor_id, actor_label, roles, action, subject_type, subject_id, environment, details, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const last = sqlite.prepare("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").get() as { id: number; hash: string } | undefined;
    let prev = last?.hash ?? GENESIS_HASH;
    let nextId = (last?.id ?? 0) + 1;
    const bulk = sqlite.transaction((n: number, offset: number) => {
      for (let i = 0; i < n; i++) {
        const e = randomEvent(atOf(offset + i));
        const row = {
          id: nextId++,
          createdAt: e.at,
          actorId: e.actor.kind === "user" ? e.actor.id : null,
          actorLabel: actorLabel(e.actor),
          roles: JSON.stringify(e.actor.kind === "user" ? e.actor.roles : []),
          action: e.action,
          subjectType: e.subjectType ?? null,
          subjectId: String(e.subjectId),
          environment: e.environment ?? null,
          details: canonicalJson(e.details),
          requestId: randomUUID(),
          prevHash: prev,
        };
        const hash = hashEvent(row);
        insert.run(row.id, row.createdAt, row.actorId, row.actorLabel, row.roles, row.action, row.subjectType, row.subjectId, row.environment, row.details, row.requestId, row.prevHash, hash);
        prev = hash;
      }
    });
    t0 = performance.now();
    for (let done = RECORD_AUDIT_EVENTS; done < CHAIN_EVENTS; done += BATCH) bulk.immediate(Math.min(BATCH, CHAIN_EVENTS - done), done);
    const bulkSeconds = (performance.now() - t0) / 1000;
    report("audit.generate.bulk.rate", (CHAIN_EVENTS - RECORD_AUDIT_EVENTS) / bulkSeconds, "events/s", null, "higher");
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    log(
      `(b) generated ${fmt(CHAIN_EVENTS)} events: ${fmt(RECORD_AUDIT_EVENTS)} via recordAudit in ${recordSeconds.toFixed(1)} s, ` +
        `${fmt(CHAIN_EVENTS - RECORD_AUDIT_EVENTS)} bulk in ${bulkSeconds.toFixed(1)} s (${fmt(statSync(bigFile).size / 2 ** 20)} MiB)`,
    );

    const verification = verifyAuditChain(sqlite);
    if (!verification.intact || verification.checked !== CHAIN_EVENTS) throw new Error(`chain broken: ${JSON.stringify(verification)}`);
    const vs = verification.millis / 1000;
    // The target (1,000,000 events in 5 s) scales to the size verified in --quick runs.
    report("audit.verify.seconds", vs, "s", (5 * CHAIN_EVENTS) / 1_000_000, "lower");
    report("audit.verify.rate", CHAIN_EVENTS / vs, "events/s", 200_000, "higher");
    log(`    verified ${fmt(verification.checked)} events in ${vs.toFixed(2)} s`);

    // (b2) Signed checkpoints (M2): the first one over the whole chain (what an existing install
    // pays once), then checkpoints of 10 new events each (the worker's steady state), then the
    // full verification against them, a bundle export and its offline verification.
    let s0 = performance.now();
    const first = signAuditCheckpoint(db, sqlite);
    if (!first.signed) throw new Error(`first checkpoint refused: ${JSON.stringify(first)}`);
    report("audit.checkpoint.first_over_chain.seconds", (performance.now() - s0) / 1000, "s", null, "lower");
    const SIGNS = quick ? 50 : 200;
    let signMillis = 0;
    for (let i = 0; i < SIGNS; i++) {
      writeTransaction(db, (tx) => {
        for (let k = 0; k < 10; k++) recordAudit(tx, randomEvent(Date.now()));
      });
      s0 = performance.now();
      if (!signAuditCheckpoint(db, sqlite).signed) throw new Error("checkpoint refused");
      signMillis += performance.now() - s0;
    }
    report("audit.checkpoint.sign.rate", SIGNS / (signMillis / 1000), "checkpoints/s", 1, "higher");
    log(`    first checkpoint over ${fmt(CHAIN_EVENTS)} events; then ${SIGNS} checkpoints of 10 events at ${fmt(SIGNS / (signMillis / 1000))}/s`);

    const trail = verifyAuditTrail(db, sqlite);
    if (!trail.intact) throw new Error(`trail broken: ${trail.lines.join("; ")}`);
    report("audit.verify_trail.seconds", trail.millis / 1000, "s", (5 * CHAIN_EVENTS) / 1_000_000, "lower");
    report("audit.verify_trail.rate", trail.checked / (trail.millis / 1000), "events/s", 200_000, "higher");
    log(`    verified ${fmt(trail.checked)} events against ${trail.checkpoint?.seq} signed checkpoints in ${(trail.millis / 1000).toFixed(2)} s`);

    const files = trailFilesFor(bigFile);
    const bundleFile = path.join(dir, "trail.bundle.ndjson");
    s0 = performance.now();
    const fd = openSync(bundleFile, "w");
    for (const line of auditBundleLines(sqlite, { checkpointLines: readCheckpointLines(files.checkpoints), key: loadOrCreateSigningKey(files), now: Date.now() })) writeSync(fd, line);
    closeSync(fd);
    report("audit.bundle.export.seconds", (performance.now() - s0) / 1000, "s", null, "lower");
    const bundle = await verifyAuditBundle(createReadStream(bundleFile, { highWaterMark: 1 << 20 }));
    if (!bundle.intact) throw new Error(`bundle broken: ${bundle.lines.join("; ")}`);
    report("audit.bundle.verify.seconds", bundle.millis / 1000, "s", (5 * CHAIN_EVENTS) / 1_000_000, "lower");
    report("audit.bundle.verify.rate", bundle.checked / (bundle.millis / 1000), "events/s", 200_000, "higher");
    log(`    bundle of ${fmt(bundle.checked)} events (${fmt(statSync(bundleFile).size / 2 ** 20)} MiB) verified offline in ${(bundle.millis / 1000).toFixed(2)} s`);
  }

  // (c) The Audit page (app/(dashboard)/audit/page.tsx): parse the search params, one keyset
  // page of listAuditEvents (limit 100) and listEnvironments for the filter choices. The chain
  // badge is streamed separately and re-runs the full verification of (b) every 5 s.
  {
    const newest = sqlite.prepare("SELECT max(id) FROM audit_events").pluck().get() as number;
    const lastAt = sqlite.prepare("SELECT created_at FROM audit_events WHERE id = ?").pluck().get(newest) as number;
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    const scenarios: { name: string; params: Record<string, string> }[] = [
      { name: "newest", params: {} },
      { name: "action", params: { action: "service.update" } },
      { name: "action_rare", params: { action: "audit.export" } },
      { name: "actor", params: { actor: "user07@example.com" } },
      { name: "actor_action", params: { actor: "user07@example.com", action: "role.revoke" } },
      { name: "actor_action_rare", params: { actor: "user07@example.com", action: "audit.export" } },
      { name: "environment", params: { environment: "qa" } },
      { name: "last_day", params: { from: iso(lastAt - 24 * 3600 * 1000) } },
      { name: "last_30_days", params: { from: iso(lastAt - 30 * 24 * 3600 * 1000) } },
      { name: "from_to_90_days", params: { from: iso(lastAt - 90 * 24 * 3600 * 1000), to: iso(lastAt + 60_000) } },
      { name: "from_to_all", params: { from: "2000-01-01T00:00", to: iso(lastAt + 60_000) } },
      { name: "action_time_range", params: { action: "user.create", from: iso(lastAt - 30 * 24 * 3600 * 1000) } },
      { name: "older_page", params: { before: String(Math.floor(newest / 2)) } },
      { name: "older_page_actor", params: { actor: "user07@example.com", before: String(Math.floor(newest / 2)) } },
    ];
    log(`(c) Audit page queries over ${fmt(newest)} events, ${PAGE_RUNS} runs each (or ${PAGE_BUDGET_MS / 1000} s)`);
    for (const s of scenarios) {
      const times: number[] = [];
      let shown = 0;
      const deadline = performance.now() + PAGE_BUDGET_MS;
      for (let i = 0; i < PAGE_RUNS && (i < 10 || performance.now() < deadline); i++) {
        const t = performance.now();
        const { before, limit, ...filter } = auditQuerySchema.parse(s.params);
        const page = listAuditEvents(db, filter, { before, limit });
        listEnvironments(db);
        times.push(performance.now() - t);
        shown = page.events.length;
      }
      times.sort((x, y) => x - y);
      report(`audit.page.${s.name}.p95`, percentile(times, 95), "ms", 50, "lower");
      log(`    ${s.name.padEnd(20)} p50 ${percentile(times, 50).toFixed(2).padStart(8)} ms  p95 ${percentile(times, 95).toFixed(2).padStart(8)} ms  (${shown} rows, ${times.length} runs)  ${JSON.stringify(s.params)}`);
    }
  }
  sqlite.close();
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

const ok = (f: Figure) => f.target === null || (f.better === "higher" ? f.value >= f.target : f.value <= f.target);
log("");
log(`${"metric".padEnd(42)} ${"value".padStart(14)} ${"unit".padEnd(9)} ${"target".padStart(12)}  result`);
for (const f of figures) {
  const target = f.target === null ? "-" : `${f.better === "higher" ? ">=" : "<="} ${fmt(f.target, f.target < 100 ? 1 : 0)}`;
  log(`${f.metric.padEnd(42)} ${fmt(f.value, f.value < 100 ? 2 : 0).padStart(14)} ${f.unit.padEnd(9)} ${target.padStart(12)}  ${f.target === null ? "info" : ok(f) ? "ok" : "MISSED"}`);
}
log(`\nload average at the end: ${load()}`);
log(`${figures.length} figures appended to ${RESULTS} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
