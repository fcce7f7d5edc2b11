// Governance benchmark: the approver inbox query (D5, `pendingApprovalsForRoles`) on a database
// with 10,000 releases and ~2 pending approvals each (mixed roles, requested over the last 30
// days, so most requests have expired but still read "pending": nothing rewrites their status).
// Prints p50/p95/p99 and appends one JSON line {"bench":"governance.inbox", "metric", ...} to
// bench-results.jsonl (both shapes, like scripts/bench-policy.ts).
// Usage: ./node_modules/.bin/tsx --conditions=react-server scripts/bench-governance.ts [--quick] [--keep]
//   --quick: 50 timed queries instead of 200; --keep: keep the temp database (its path is printed).
import { appendFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "@/db/connection";
import { insertService } from "@/db/queries/catalog";
import { pendingApprovalsForRoles } from "@/db/queries/releases";
import { insertUser } from "@/db/queries/users";
import { approvals, releases } from "@/db/schema";
import { writeTransaction } from "@/db/transaction";

const quick = process.argv.includes("--quick");
const keep = process.argv.includes("--keep");
const RELEASES = 10_000;
const SERVICES = 8;
const RUNS = quick ? 50 : 200;
const WARMUP = quick ? 10 : 30;
const TARGET_P95_MS = 50;
/** Rows per multi-row INSERT (SQLite's bound-parameter limit; releases have ~20 columns). */
const CHUNK = 500;
const RESULTS = path.resolve(process.cwd(), "bench-results.jsonl");
const H = 3600_000;
const DAY = 24 * H;

// Deterministic pseudo-random stream (same as scripts/bench.ts) so runs are comparable.
let seed = 42;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const log = (s: string) => process.stdout.write(`${s}\n`);

const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-gov-"));
const file = path.join(dir, "governance.db");
const { db, sqlite } = openDatabase(file);
const NOW = Date.now();

// ---- data ---------------------------------------------------------------------------------
const built = performance.now();
let approvalCount = 0;
writeTransaction(db, (tx) => {
  const captain = insertUser(tx, { email: "captain@bench.local", name: "Captain", passwordHash: null, createdAt: NOW });
  const serviceIds = Array.from({ length: SERVICES }, (_, i) =>
    insertService(tx, { name: `svc-${i}`, owner: `Team ${i}`, deployTarget: JSON.stringify({ driver: "local" }), createdAt: NOW, updatedAt: NOW }).id,
  );
  for (let done = 0; done < RELEASES; done += CHUNK) {
    const n = Math.min(CHUNK, RELEASES - done);
    const rows = Array.from({ length: n }, (_, j) => {
      const i = done + j;
      const createdAt = NOW - Math.floor(rand() * 30 * DAY);
      const hotfix = rand() < 0.1;
      return {
        serviceId: serviceIds[i % SERVICES]!,
        version: `1.${Math.floor(i / 100)}.${i % 100}`,
        commitSha: (0x1000000 + i).toString(16).padStart(10, "0"),
        changeLog: `Release ${i}: changes and fixes.`,
        rollbackPlan: "Redeploy the previous version.",
        strategy: JSON.stringify({ kind: "canary", steps: [{ weight: 10, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] }),
        hotfix,
        status: "production_approval" as const,
        phaseEnteredAt: createdAt,
        createdBy: captain.id,
        createdAt,
        updatedAt: createdAt,
      };
    });
    const inserted = tx.insert(releases).values(rows).returning({ id: releases.id, createdAt: releases.createdAt, hotfix: releases.hotfix }).all();
    const pending = inserted.flatMap((r) => {
      // ~2 per release: normal = sentinel + service owner, hotfix = two sentinels; some add a feature-owner sign-off.
      const wanted: ("sentinel" | "service_owner" | "feature_owner")[] = r.hotfix ? ["sentinel", "sentinel"] : ["sentinel", "service_owner"];
      const extra = rand();
      if (extra < 0.15) wanted.push("feature_owner");
      else if (extra < 0.3) wanted.pop();
      return wanted.map((role) => {
        const requestedAt = r.createdAt + Math.floor(rand() * 2 * H);
        return {
          releaseId: r.id,
          role,
          kind: role === "feature_owner" ? ("smoke" as const) : r.hotfix ? ("hotfix" as const) : ("production" as const),
          status: "pending" as const,
          fingerprint: "f".repeat(64),
          requestedAt,
          expiresAt: requestedAt + DAY,
        };
      });
    });
    for (let k = 0; k < pending.length; k += CHUNK) tx.insert(approvals).values(pending.slice(k, k + CHUNK)).run();
    approvalCount += pending.length;
  }
});
sqlite.pragma("wal_checkpoint(TRUNCATE)");
const buildMs = performance.now() - built;

const countOf = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
const sentinelPending = countOf("SELECT count(*) FROM approvals WHERE status = 'pending' AND role = 'sentinel'");
const sentinelLive = sqlite.prepare("SELECT count(*) FROM approvals WHERE status = 'pending' AND role = 'sentinel' AND expires_at > ?").pluck().get(NOW) as number;

// ---- timing -------------------------------------------------------------------------------
let sink = 0;
for (let i = 0; i < WARMUP; i++) sink += pendingApprovalsForRoles(db, ["sentinel"]).length;
const times = new Float64Array(RUNS);
let rowsReturned = 0;
for (let i = 0; i < RUNS; i++) {
  const s = performance.now();
  const rows = pendingApprovalsForRoles(db, ["sentinel"]);
  times[i] = performance.now() - s;
  rowsReturned = rows.length;
  sink += rows.length;
}
times.sort();
const pct = (p: number) => times[Math.min(RUNS - 1, Math.max(0, Math.ceil((p / 100) * RUNS) - 1))]!;
const p50 = pct(50);
const p95 = pct(95);
const p99 = pct(99);
const max = times[RUNS - 1]!;
const pass = p95 <= TARGET_P95_MS;

// The plan of the same statement (as drizzle builds it), to explain the figure.
const plan = (
  sqlite
    .prepare(
      `EXPLAIN QUERY PLAN SELECT a.id FROM approvals a JOIN releases r ON r.id = a.release_id JOIN services s ON s.id = r.service_id
       WHERE a.status = 'pending' AND a.role IN ('sentinel') AND (a.expires_at IS NULL OR a.expires_at > ?) ORDER BY a.requested_at LIMIT 200`,
    )
    .all(NOW) as { detail: string }[]
).map((r) => r.detail);

const line = {
  bench: "governance.inbox",
  metric: quick ? "quick.governance.inbox.p95" : "governance.inbox.p95",
  value: Number(p95.toFixed(3)),
  unit: "ms",
  target: TARGET_P95_MS,
  better: "lower",
  quick,
  runs: RUNS,
  releases: RELEASES,
  approvals: approvalCount,
  sentinel_pending: sentinelPending,
  sentinel_live: sentinelLive,
  rows_returned: rowsReturned,
  p50_ms: Number(p50.toFixed(3)),
  p95_ms: Number(p95.toFixed(3)),
  p99_ms: Number(p99.toFixed(3)),
  max_ms: Number(max.toFixed(3)),
  pass,
  load: loadavg()[0],
  at: new Date().toISOString(),
};
appendFileSync(RESULTS, `${JSON.stringify(line)}\n`);

log(`Flightdeck governance benchmark${quick ? " (--quick)" : ""}: approver inbox (pendingApprovalsForRoles ["sentinel"]) x ${RUNS} after ${WARMUP} warm-up runs`);
log(
  `data: ${RELEASES.toLocaleString("en-US")} releases over ${SERVICES} services, ${approvalCount.toLocaleString("en-US")} pending approvals (${sentinelPending.toLocaleString("en-US")} sentinel, ${sentinelLive} not yet expired); built in ${buildMs.toFixed(0)} ms, ${(statSync(file).size / 1e6).toFixed(1)} MB`,
);
log(`plan: ${plan.join(" | ")}`);
log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
log(`p50 ${p50.toFixed(2)} ms   p95 ${p95.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   max ${max.toFixed(2)} ms   (${rowsReturned} rows per query)`);
log(`target p95 <= ${TARGET_P95_MS} ms: ${pass ? "PASS" : "FAIL"}`);
log(`appended to ${RESULTS} (checksum ${sink} rows)`);

sqlite.close();
if (keep) log(`kept ${file}`);
else rmSync(dir, { recursive: true, force: true });
process.exitCode = pass ? 0 : 1;
