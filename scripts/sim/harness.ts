// Offline simulation harness (issue 9 part 6; `npm run bench:sim`, part of `npm run bench`): seeded
// canary runs on a virtual clock, judged by the product's evaluate() (lib/domain/analysis, unchanged)
// and by the frozen pre-issue-9 fixed-window judge (scripts/sim/legacy), side by side. Prints per
// profile and scenario: false rollbacks on A/A with a 95% upper bound, time to detect a degraded
// canary (median, p95, from the canary's start), promotions, "never judged" and pauses; appends every
// figure to bench-results.jsonl. Flags: --quick (a few runs), --scale X (runs x X), --full (>= 2,000
// runs per A/A row, >= 200 per degraded row: hours), --only a,b (rows whose key contains one of them),
// --runs N (every selected row), --seed S, --results FILE (instead of bench-results.jsonl);
// --trace ROW [--judge old|new] [--run I]: every evaluation of one run (e.g. --trace demo.err-33.1rps).
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { benchReporter } from "../bench-report";
import { JUDGES, type Judge, type RunResult, runOnce } from "./run";
import { PROFILES, type ProfileName, SCENARIOS, type Scenario, type Target, profile, targetsOf } from "./scenarios";
import { censoredPercentile, clopperPearsonUpper } from "./stats";

export interface RowSpec {
  profile: ProfileName;
  scenario: Scenario;
  /** Canary requests/s at the 5% step. */
  rate: number;
  runs: number;
}

export interface JudgeFigures {
  runs: number;
  rollbacks: number;
  promoted: number;
  paused: number;
  never: number;
  /** Decision kind or rule -> runs ending on it ("rollback_gradual 002-5xx-1", "hold 003-errors-degraded", "pause_errors"). */
  endings: Record<string, number>;
  /** Canary weight of the step a rollback happened in -> runs. */
  rollbackWeights: Record<string, number>;
  /** Time to detect per run in s (Infinity: not rolled back). */
  ttd: number[];
  evaluations: number;
  elapsedMs: number;
}

export interface RowResult {
  key: string;
  spec: RowSpec;
  old: JudgeFigures;
  new: JudgeFigures;
}

export interface Summary {
  rollbackPct: number;
  /** One-sided 95% Clopper-Pearson upper bound of the rollback rate, percent. */
  rollbackUbPct: number;
  /** Seconds; Infinity when the median / p95 run was never rolled back. */
  ttdMedianS: number;
  ttdP95S: number;
  promotions: number;
  neverPct: number;
  pausedPct: number;
}

export const rowKey = (p: ProfileName, sc: Scenario, rate: number) => `${p}.${sc.id}.${rate}rps`;

/**
 * Default runs per row, sized by what a run costs: an evaluation of the sequential judge takes
 * ~0.5 ms (count tests with anytime-valid bounds for 12 rules), so a demo A/A run (~81 evaluations)
 * costs ~50 ms and a production one (30-35 min at 1 s) ~1 s. The demo's A/A rows add up to >= 2,000
 * runs; production's cannot in minutes (2,000 runs ~ 40 min per row: --full or --only ... --runs).
 */
function defaultRuns(p: ProfileName, sc: Scenario, rate: number): number {
  if (sc.kind === "zero" || sc.kind === "outage") return 10;
  const slow = rate < 1;
  if (p === "demo") {
    if (sc.kind === "aa") return slow ? 6 : sc.gapShare ? 40 : 320;
    if (sc.id === "err-5" && slow) return 6;
    return slow ? 20 : 40;
  }
  if (sc.kind === "aa") return slow ? 2 : 3;
  // A 1.5% tail at 1 request/s is never judged: each run costs the full 35 minutes.
  if (sc.id === "p99-only" && rate === 1) return 3;
  return slow ? 3 : 6;
}

export interface PlanOptions {
  scale?: number;
  full?: boolean;
  only?: string[];
  /** Overrides every row's run count (tests). */
  runs?: number;
}

export function plan(opts: PlanOptions = {}): RowSpec[] {
  const rows: RowSpec[] = [];
  for (const p of PROFILES) {
    for (const sc of SCENARIOS) {
      for (const rate of sc.rates) {
        const key = rowKey(p, sc, rate);
        if (opts.only?.length && !opts.only.some((o) => key.includes(o))) continue;
        let runs = Math.max(2, Math.round(defaultRuns(p, sc, rate) * (opts.scale ?? 1)));
        if (opts.full) runs = Math.max(runs, sc.kind === "aa" ? 2000 : sc.kind === "degraded" ? 200 : 20);
        if (opts.runs !== undefined) runs = opts.runs;
        rows.push({ profile: p, scenario: sc, rate, runs });
      }
    }
  }
  return rows;
}

function emptyFigures(): JudgeFigures {
  return { runs: 0, rollbacks: 0, promoted: 0, paused: 0, never: 0, endings: {}, rollbackWeights: {}, ttd: [], evaluations: 0, elapsedMs: 0 };
}

function add(f: JudgeFigures, r: RunResult): void {
  f.runs++;
  f.evaluations += r.evaluations;
  if (r.outcome === "rollback") {
    f.rollbacks++;
    f.rollbackWeights[`${r.weight}%`] = (f.rollbackWeights[`${r.weight}%`] ?? 0) + 1;
  }
  else if (r.outcome === "promoted") f.promoted++;
  else if (r.outcome === "paused") f.paused++;
  else f.never++;
  f.ttd.push(r.outcome === "rollback" ? r.atMs / 1000 : Infinity);
  const ending = r.kind ? `${r.kind}${r.ruleId ? ` ${r.ruleId}` : ""}` : r.outcome;
  f.endings[ending] = (f.endings[ending] ?? 0) + 1;
}

/** Every run of a row, for both judges; run i of a row has the same seed for both. */
export function simulateRow(spec: RowSpec, seed: string): RowResult {
  const key = rowKey(spec.profile, spec.scenario, spec.rate);
  const prof = profile(spec.profile);
  const out = { old: emptyFigures(), new: emptyFigures() } satisfies Record<Judge, JudgeFigures>;
  for (const judge of JUDGES) {
    const started = performance.now();
    for (let i = 0; i < spec.runs; i++) add(out[judge], runOnce(judge, prof, spec.scenario, spec.rate, `${seed}:${key}:${i}`));
    out[judge].elapsedMs = performance.now() - started;
  }
  return { key, spec, ...out };
}

export function summarize(f: JudgeFigures): Summary {
  return {
    rollbackPct: f.runs ? (100 * f.rollbacks) / f.runs : NaN,
    rollbackUbPct: 100 * clopperPearsonUpper(f.rollbacks, f.runs),
    ttdMedianS: censoredPercentile(f.ttd, 50),
    ttdP95S: censoredPercentile(f.ttd, 95),
    promotions: f.promoted,
    neverPct: f.runs ? (100 * f.never) / f.runs : NaN,
    pausedPct: f.runs ? (100 * f.paused) / f.runs : NaN,
  };
}

/** The value of a target's figure. */
export function figureOf(s: Summary, t: Pick<Target, "figure">): number {
  switch (t.figure) {
    case "false_rollback_ub_pct":
      return s.rollbackUbPct;
    case "ttd_median_s":
      return s.ttdMedianS;
    case "ttd_p95_s":
      return s.ttdP95S;
    case "promotions":
      return s.promotions;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

const pct = (x: number) => (Number.isNaN(x) ? "-" : `${x < 10 ? x.toFixed(1) : x.toFixed(0)}%`);
function span(s: number, capS: number): string {
  if (Number.isNaN(s)) return "-";
  if (!Number.isFinite(s)) return `>${capS / 60}m`;
  return s < 120 ? `${Math.round(s)}s` : `${(s / 60).toFixed(1)}m`;
}

function cells(r: RowResult, judge: Judge): string {
  const f = r.spec.scenario.kind === "aa";
  const s = summarize(r[judge]);
  const cap = profile(r.spec.profile).maxSeconds;
  const rb = f ? `${pct(s.rollbackPct)} (<=${pct(s.rollbackUbPct)})` : pct(s.rollbackPct);
  const detect = f || r.spec.scenario.kind !== "degraded" ? ["", ""] : [span(s.ttdMedianS, cap), span(s.ttdP95S, cap)];
  return `${rb.padStart(15)} ${detect[0]!.padStart(6)} ${detect[1]!.padStart(6)} ${String(s.promotions).padStart(5)} ${pct(s.neverPct).padStart(5)} ${pct(s.pausedPct).padStart(5)}`;
}

function targetCell(r: RowResult, judge: Judge): string {
  const ts = targetsOf(r.spec.profile, r.spec.scenario.id, r.spec.rate);
  if (!ts.length) return "";
  const s = summarize(r[judge]);
  const f = r[judge];
  // No false rollback seen, yet too few runs for the bound: say so rather than a bare MISSED.
  const status = (t: Target) => (figureOf(s, t) <= t.max ? "ok" : t.figure === "false_rollback_ub_pct" && f.rollbacks === 0 ? `not shown (0/${f.runs})` : "MISSED");
  return ts.map((t) => `${t.text}: ${status(t)}`).join("; ");
}

const RULE = "-".repeat(190);

export function printTable(results: RowResult[], log: (line: string) => void = console.log): void {
  const judgeHead = `${"rollback".padStart(15)} ${"med".padStart(6)} ${"p95".padStart(6)} ${"prom".padStart(5)} ${"never".padStart(5)} ${"pause".padStart(5)}`;
  for (const p of PROFILES) {
    const rows = results.filter((r) => r.spec.profile === p);
    if (!rows.length) continue;
    const prof = profile(p);
    log(RULE);
    log(`${p.toUpperCase()} profile: steps ${prof.steps.map((s) => `${s.weight}%${s.holdSeconds ? `/${s.holdSeconds}s` : ""}`).join(" ")}, runs cut at ${prof.maxSeconds / 60} min ("never"); prom = ${prof.promotedLabel}`);
    log(`${"scenario".padEnd(36)} ${"c/s".padStart(5)} ${"runs".padStart(5)} | OLD ${judgeHead} | NEW ${judgeHead} | target: NEW / OLD`);
    for (const r of rows) {
      const tNew = targetCell(r, "new");
      const tOld = targetCell(r, "old");
      const target = tNew ? `${tNew} / ${tOld.split(": ").pop()}` : "";
      log(`${r.spec.scenario.title.padEnd(36)} ${String(r.spec.rate).padStart(5)} ${String(r.spec.runs).padStart(5)} | OLD ${cells(r, "old")} | NEW ${cells(r, "new")} | ${target}`);
    }
  }
  log(RULE);
  log("rollback: share of runs rolled back (A/A: false rollbacks, with the one-sided 95% Clopper-Pearson upper bound); med/p95: time to");
  log("detect from the canary's start (>cut: that run was never rolled back); prom: runs promoted; never: undecided at the cut; pause: held");
  log("for the captain (a hold rule) or paused by the fail safe (errors, inconclusive). c/s: canary requests/s at 5% (total = c/s / 0.05).");
}

/** How runs ended, per row and judge (the "why" behind the table). */
export function printEndings(results: RowResult[], log: (line: string) => void = console.log): void {
  log("How runs ended (share of runs; rollback/hold kinds with their rule):");
  for (const r of results) {
    for (const judge of JUDGES) {
      const f = r[judge];
      const parts = Object.entries(f.endings)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, n]) => `${k} ${pct((100 * n) / f.runs)}`);
      const steps = Object.entries(f.rollbackWeights).map(([w, n]) => `${w} ${n}`);
      log(`  ${`${r.key} ${judge.toUpperCase()}`.padEnd(34)} ${parts.join(", ")}${steps.length > 1 ? `  [rollbacks by step: ${steps.join(", ")}]` : ""}`);
    }
  }
}

/** A/A runs pooled per profile and judge: the false-rollback rate with its bound over every A/A row. */
export function pooledAa(results: RowResult[], p: ProfileName, judge: Judge): { runs: number; rollbacks: number; ratePct: number; ubPct: number } {
  const rows = results.filter((r) => r.spec.profile === p && r.spec.scenario.kind === "aa");
  const runs = rows.reduce((s, r) => s + r[judge].runs, 0);
  const rollbacks = rows.reduce((s, r) => s + r[judge].rollbacks, 0);
  return { runs, rollbacks, ratePct: runs ? (100 * rollbacks) / runs : NaN, ubPct: 100 * clopperPearsonUpper(rollbacks, runs) };
}

// ---------------------------------------------------------------------------------------------
// Command line

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Prints every evaluation of run `index` of a row (the same seed as in the table). */
function trace(key: string, judge: Judge, index: number, seed: string): void {
  const spec = plan({ runs: 1 }).find((r) => rowKey(r.profile, r.scenario, r.rate) === key);
  if (!spec) throw new Error(`no row ${key}: rows look like demo.err-33.1rps`);
  const r = runOnce(judge, profile(spec.profile), spec.scenario, spec.rate, `${seed}:${key}:${index}`, (e) => {
    console.log(`${(e.t / 1000).toFixed(2).padStart(8)} s  step ${e.step}  ${e.verdict.padEnd(12)} ${e.reasons.slice(0, 3).join(" | ")}`);
  });
  console.log(JSON.stringify(r));
}

function main(): void {
  const quick = process.argv.includes("--quick");
  const full = process.argv.includes("--full");
  const scale = Number(argOf("--scale") ?? (quick ? 0.15 : 1));
  const only = argOf("--only")?.split(",").filter(Boolean);
  const runs = argOf("--runs");
  const seed = argOf("--seed") ?? "flightdeck-sim-1";
  const traced = argOf("--trace");
  if (traced) return trace(traced, argOf("--judge") === "old" ? "old" : "new", Number(argOf("--run") ?? 0), seed);
  const resultsPath = argOf("--results");
  const specs = plan({ scale, full, ...(only ? { only } : {}), ...(runs ? { runs: Number(runs) } : {}) });
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // Not a git checkout: the figures stand on their own.
  }
  console.log(`Canary analysis simulation (seed "${seed}", commit ${commit}${quick ? ", quick" : ""}${full ? ", full" : ""}): ${specs.length} rows, ${specs.reduce((s, r) => s + r.runs, 0)} runs per judge`);
  console.log("OLD = pre-issue-9 fixed-window judge (git 509c9dd, minRequests); NEW = lib/domain/analysis/evaluate.ts (sequential tests). Same seeds, same traffic.");
  const started = performance.now();
  const results: RowResult[] = [];
  for (const spec of specs) {
    const r = simulateRow(spec, seed);
    results.push(r);
    process.stderr.write(`  ${r.key.padEnd(32)} ${spec.runs} runs  old ${(r.old.elapsedMs / 1000).toFixed(1)} s  new ${(r.new.elapsedMs / 1000).toFixed(1)} s (${(r.new.evaluations / Math.max(1, r.new.runs)).toFixed(0)} evaluations/run)\n`);
  }
  const elapsedS = (performance.now() - started) / 1000;

  printTable(results);
  for (const p of PROFILES) {
    const parts = JUDGES.map((j) => {
      const a = pooledAa(results, p, j);
      return a.runs ? `${j.toUpperCase()} ${a.rollbacks}/${a.runs} = ${pct(a.ratePct)} (95% upper ${pct(a.ubPct)})` : null;
    }).filter(Boolean);
    if (parts.length) console.log(`A/A pooled, ${p}: false rollbacks ${parts.join("  |  ")}  target: upper < 1%`);
  }
  printEndings(results);

  const { report, rows } = benchReporter({ quick, width: 58, ...(resultsPath ? { results: resultsPath } : {}) });
  const targeted: string[] = [];
  for (const r of results) {
    for (const judge of JUDGES) {
      const s = summarize(r[judge]);
      const base = `sim.${r.key}.${judge}`;
      const cap = profile(r.spec.profile).maxSeconds;
      const ts = judge === "new" ? targetsOf(r.spec.profile, r.spec.scenario.id, r.spec.rate) : [];
      const targetOf = (fig: Target["figure"]) => ts.find((t) => t.figure === fig)?.max ?? null;
      const put = (name: string, value: number, unit: string, target: number | null, better: "lower" | "higher") => {
        report(`${base}.${name}`, value, unit, target, better);
        if (target !== null) targeted.push(rows[rows.length - 1]!);
      };
      put("runs", r[judge].runs, "runs", null, "higher");
      if (r.spec.scenario.kind === "aa") {
        put("false_rollback_pct", s.rollbackPct, "%", null, "lower");
        put("false_rollback_ub_pct", s.rollbackUbPct, "%", targetOf("false_rollback_ub_pct"), "lower");
      } else {
        put("rollback_pct", s.rollbackPct, "%", null, r.spec.scenario.kind === "degraded" ? "higher" : "lower");
      }
      if (r.spec.scenario.kind === "degraded") {
        // A median or p95 run that was never rolled back is written as the run's cut-off (a lower bound).
        put("ttd_median_s", Number.isFinite(s.ttdMedianS) ? s.ttdMedianS : cap, "s", targetOf("ttd_median_s"), "lower");
        put("ttd_p95_s", Number.isFinite(s.ttdP95S) ? s.ttdP95S : cap, "s", targetOf("ttd_p95_s"), "lower");
      }
      put("promotions", s.promotions, "runs", targetOf("promotions"), "lower");
      put("never_judged_pct", s.neverPct, "%", null, "lower");
      put("paused_pct", s.pausedPct, "%", null, "lower");
    }
  }
  for (const p of PROFILES) {
    for (const j of JUDGES) {
      const a = pooledAa(results, p, j);
      if (!a.runs) continue;
      report(`sim.${p}.aa-pooled.${j}.false_rollback_pct`, a.ratePct, "%", null, "lower");
      report(`sim.${p}.aa-pooled.${j}.false_rollback_ub_pct`, a.ubPct, "%", j === "new" ? 1 : null, "lower");
      if (j === "new") targeted.push(rows[rows.length - 1]!);
    }
  }
  report("sim.harness_runtime_s", elapsedS, "s", null, "lower");
  console.log(`\nTargets (sequential judge; every figure is in bench-results.jsonl as sim.*):`);
  for (const line of targeted) console.log(line);
  console.log(`\nHarness runtime ${elapsedS.toFixed(1)} s (${results.reduce((s, r) => s + r.new.evaluations, 0).toLocaleString("en-US")} NEW and ${results.reduce((s, r) => s + r.old.evaluations, 0).toLocaleString("en-US")} OLD evaluations).`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
