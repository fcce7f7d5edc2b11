// Policy benchmark: decide() against 1,000 active overrides and 1,000 calendar windows (mixed
// recurrences), the size a busy installation could reach. Prints p50/p95/p99 and appends one JSON
// line {"bench":"policy.decide", ...} to bench-results.jsonl. Pure CPU: no database, no network.
// Usage: ./node_modules/.bin/tsx scripts/bench-policy.ts [--quick]   (--quick: 2,000 calls instead of 20,000)
import { appendFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { type PolicyContext, decide } from "@/lib/domain/policy/decide";
import { type GatedAction, OVERRIDABLE_ACTIONS, SECURITY_MODES, THREAT_LEVELS } from "@/lib/domain/policy/gate";
import type { OverrideRecord } from "@/lib/domain/policy/overrides";
import { type CalendarWindow, DEFAULT_WINDOWS, RECURRENCES } from "@/lib/domain/windows/calendar";

const quick = process.argv.includes("--quick");
const CALLS = quick ? 2_000 : 20_000;
const WARMUP = quick ? 1_000 : 5_000;
const TARGET_P99_US = 1_000;
const RESULTS = path.resolve(process.cwd(), "bench-results.jsonl");
const H = 3600_000;

// Deterministic pseudo-random stream (same as scripts/bench.ts) so runs are comparable.
let seed = 42;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const ENVIRONMENTS = ["production", "staging", "qa", "perf", "prod-eu", "prod-us"];
const NOW = Date.now();

const overrides: OverrideRecord[] = Array.from({ length: 1_000 }, (_, i) => ({
  id: i + 1,
  action: pick(OVERRIDABLE_ACTIONS),
  environment: pick(ENVIRONMENTS),
  expiresAt: NOW + (1 + rand() * 23) * H, // all active for the whole run
  revokedAt: null,
  createdBy: 1 + (i % 20),
}));

const windows: CalendarWindow[] = [
  ...DEFAULT_WINDOWS.map((w, i) => ({ ...w, id: i + 1 })),
  ...Array.from({ length: 1_000 - DEFAULT_WINDOWS.length }, (_, i): CalendarWindow => {
    const recurrence = RECURRENCES[i % RECURRENCES.length]!;
    const start = NOW + Math.floor((rand() - 0.5) * 2 * 365 * 24 * H);
    const length = recurrence === "monthly_first_tuesday" ? (1 + rand() * 6) * H : (1 + rand() * 72) * H;
    return { id: i + 10, kind: rand() < 0.6 ? "freeze" : "maintenance", name: `Window ${i}`, recurrence, startsAt: start, endsAt: start + length };
  }),
];

const ACTIONS: GatedAction[] = [
  "deploy.canary.start",
  "deploy.canary.start",
  "deploy.step",
  "deploy.step",
  "deploy.step",
  "deploy.promote",
  "deploy.rollback",
  "deploy.auto_rollback",
  "health.probe",
  "incident.escalate",
  "load.shed",
];

function context(i: number): PolicyContext {
  const env = i % 4 === 0 ? "staging" : i % 7 === 0 ? "prod-eu" : "production";
  return {
    // Spread `now` over a year so yearly and monthly windows are hit at different phases.
    now: NOW + Math.floor(rand() * 365 * 24 * H * 0.9),
    environment: { name: env, production: env !== "staging" },
    gate: { mode: pick(SECURITY_MODES), threatLevel: pick(THREAT_LEVELS), lockdownReason: null },
    overrides,
    windows,
    actor: { kind: i % 3 === 0 ? "system" : "user", roles: ["release_captain"] },
    release:
      i % 2 === 0
        ? { hotfix: i % 10 === 0, sev1: i % 20 === 0, approval: { satisfied: i % 6 !== 0, hotfixBoardApproved: i % 20 === 0, missing: i % 6 === 0 ? ["Service owner approval"] : [] } }
        : undefined,
  };
}

// Contexts are built before timing: only decide() itself is measured.
const warm = Array.from({ length: WARMUP }, (_, i) => context(i));
const runs = Array.from({ length: CALLS }, (_, i) => ({ action: ACTIONS[i % ACTIONS.length]!, ctx: context(i) }));

let sink = 0;
for (const [i, c] of warm.entries()) sink += decide(ACTIONS[i % ACTIONS.length]!, c).reasons.length;

const times = new Float64Array(CALLS);
let blocked = 0;
const t0 = performance.now();
for (let i = 0; i < CALLS; i++) {
  const r = runs[i]!;
  const s = performance.now();
  const d = decide(r.action, r.ctx);
  times[i] = (performance.now() - s) * 1000; // µs
  if (!d.allowed) blocked++;
  sink += d.reasons.length;
}
const totalMs = performance.now() - t0;
times.sort();
const pct = (p: number) => times[Math.min(CALLS - 1, Math.max(0, Math.ceil((p / 100) * CALLS) - 1))]!;
const p50 = pct(50);
const p95 = pct(95);
const p99 = pct(99);
const max = times[CALLS - 1]!;
const pass = p99 <= TARGET_P99_US;

// One line in both shapes: {"bench": ...} and the {"metric","value","unit","target","better"} of scripts/bench.ts.
const line = {
  bench: "policy.decide",
  metric: quick ? "quick.policy.decide.p99" : "policy.decide.p99",
  value: Number(p99.toFixed(2)),
  unit: "us",
  target: TARGET_P99_US,
  better: "lower",
  quick,
  calls: CALLS,
  overrides: overrides.length,
  windows: windows.length,
  p50_us: Number(p50.toFixed(2)),
  p95_us: Number(p95.toFixed(2)),
  p99_us: Number(p99.toFixed(2)),
  max_us: Number(max.toFixed(2)),
  pass,
  blocked,
  load: loadavg()[0],
  at: new Date().toISOString(),
};
appendFileSync(RESULTS, `${JSON.stringify(line)}\n`);

const log = (s: string) => process.stdout.write(`${s}\n`);
log(`Flightdeck policy benchmark${quick ? " (--quick)" : ""}: decide() x ${CALLS.toLocaleString("en-US")} after ${WARMUP.toLocaleString("en-US")} warm-up calls`);
log(`context: ${overrides.length} active overrides, ${windows.length} windows (${RECURRENCES.join(" / ")}); load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
log(`p50 ${p50.toFixed(1)} µs   p95 ${p95.toFixed(1)} µs   p99 ${p99.toFixed(1)} µs   max ${max.toFixed(1)} µs   (${blocked} blocked, ${totalMs.toFixed(0)} ms total)`);
log(`target p99 <= 1 ms: ${pass ? "PASS" : "FAIL"}`);
log(`appended to ${RESULTS} (checksum ${sink} reasons)`);
process.exitCode = pass ? 0 : 1;
