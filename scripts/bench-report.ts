// Shared by the benchmark scripts: one figure per call, appended to bench-results.jsonl as
// {metric, value, unit, target, better} and kept as a table row printed at the end.
import { appendFileSync } from "node:fs";
import path from "node:path";

export type Better = "lower" | "higher";

export function benchReporter(opts: { quick: boolean; width?: number; results?: string }) {
  const results = opts.results ?? path.resolve("bench-results.jsonl");
  const width = opts.width ?? 44;
  const rows: string[] = [];
  function report(metric: string, value: number, unit: string, target: number | null, better: Better): void {
    const fig = { metric: opts.quick ? `quick.${metric}` : metric, value: Number(value.toFixed(3)), unit, target, better };
    appendFileSync(results, `${JSON.stringify(fig)}\n`);
    const ok = target === null ? "info" : (better === "lower" ? value <= target : value >= target) ? "ok" : "MISSED";
    rows.push(`${metric.padEnd(width)} ${value.toFixed(2).padStart(12)} ${unit.padEnd(10)} ${target === null ? "-".padStart(10) : `${better === "lower" ? "<=" : ">="} ${target}`.padStart(10)}  ${ok}`);
  }
  return { report, rows };
}

/** The p-th percentile (nearest rank) of unsorted values; NaN for none. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}
