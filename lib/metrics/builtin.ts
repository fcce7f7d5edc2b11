import "server-only";
import type { Db } from "@/db/connection";
import { resourceAverages, secondSeries, variantCounts, windowAggregates } from "@/db/queries/analysis";
import { type Variant, builtinSnapshot, evaluationRange } from "@/lib/domain/analysis/snapshot";
import type { MetricProvider, MetricQuery } from "./types";

/**
 * The built-in provider: the local router's per-second aggregates in SQLite (request rate, 5xx,
 * p50/p95/p99 from the merged per-second latency histograms) plus the worker's /proc samples of
 * each version's process (CPU, memory), and the step's cumulative counts for the sequential tests.
 * How the readings become a snapshot is lib/domain/analysis/snapshot.ts (shared with the replay).
 */
export function createBuiltinProvider(db: Db): MetricProvider {
  return {
    name: "builtin",
    snapshot(q: MetricQuery) {
      const range = evaluationRange(q.at, q.windowSeconds, q.stepStartedAt);
      const where = { serviceId: q.target.serviceId, environmentId: q.target.environmentId, fromSecond: range.fromSecond, toSecond: range.toSecond };
      const versions = { canary: q.canaryVersion, baseline: q.baselineVersion };
      const of = <T extends { variant: Variant }>(rows: T[]) => ({ canary: rows.find((x) => x.variant === "canary") ?? null, baseline: rows.find((x) => x.variant === "baseline") ?? null });
      return Promise.resolve(
        builtinSnapshot(range, {
          window: of(windowAggregates(db, { ...where, versions })),
          resources: of(resourceAverages(db, where)),
          series: secondSeries(db, { ...where, versions }),
          counts: variantCounts(db, { ...where, fromSecond: range.stepFrom, versions }),
        }),
      );
    },
  };
}
