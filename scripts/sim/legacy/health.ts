// FROZEN COPY, bench-only: lib/domain/analysis/health.ts as of commit 509c9dd (imported by the legacy judge).
/** Runbook 003's canary evaluation classes. */
export const HEALTH_CLASSES = ["healthy", "degraded", "unhealthy"] as const;
export type HealthClass = (typeof HEALTH_CLASSES)[number];

const RANK: Record<HealthClass, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

function band(value: number, degradedFrom: number, unhealthyAbove: number): HealthClass {
  if (value > unhealthyAbove) return "unhealthy";
  if (value >= degradedFrom) return "degraded";
  return "healthy";
}

export interface HealthInput {
  errorRatePct: number | null;
  canaryP99Ms: number | null;
  baselineP99Ms: number | null;
  cpuPct: number | null;
  memoryPct: number | null;
  /** p99 differences below this many ms never degrade (jitter of tiny latencies). */
  latencyFloorMs?: number;
}

/**
 * The table: error rate < 0.5% / 0.5-2% / > 2%; p99 < baseline+20% / +20-50% / > +50%;
 * CPU < 70 / 70-85 / > 85%; memory < 80 / 80-90 / > 90%. The bounds themselves are degraded.
 */
export function healthOf(h: HealthInput): { overall: HealthClass | null; byMetric: Partial<Record<"error_rate" | "p99_ms" | "cpu_pct" | "memory_pct", HealthClass>> } {
  const byMetric: Partial<Record<"error_rate" | "p99_ms" | "cpu_pct" | "memory_pct", HealthClass>> = {};
  if (h.errorRatePct !== null && Number.isFinite(h.errorRatePct)) byMetric.error_rate = band(h.errorRatePct, 0.5, 2);
  if (h.canaryP99Ms !== null && h.baselineP99Ms !== null && h.baselineP99Ms > 0 && Number.isFinite(h.canaryP99Ms)) {
    const overPct = ((h.canaryP99Ms - h.baselineP99Ms) / h.baselineP99Ms) * 100;
    byMetric.p99_ms = h.canaryP99Ms <= (h.latencyFloorMs ?? 0) ? "healthy" : band(overPct, 20, 50);
  }
  if (h.cpuPct !== null && Number.isFinite(h.cpuPct)) byMetric.cpu_pct = band(h.cpuPct, 70, 85);
  if (h.memoryPct !== null && Number.isFinite(h.memoryPct)) byMetric.memory_pct = band(h.memoryPct, 80, 90);
  const classes = Object.values(byMetric);
  const overall = classes.length ? classes.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "healthy" as HealthClass) : null;
  return { overall, byMetric };
}
