import "server-only";
import type { Db } from "@/db/connection";
import { resourceAverages, secondSeries, variantCounts, windowAggregates } from "@/db/queries/analysis";
import type { VariantValues } from "@/lib/domain/analysis/evaluate";
import type { MetricProvider, MetricQuery } from "./types";

/**
 * The built-in provider: the local router's per-second aggregates in SQLite (request rate, 5xx,
 * p50/p95/p99 from the merged per-second latency histograms) plus the worker's /proc samples of
 * each version's process (CPU, memory), and the step's cumulative counts for the sequential tests.
 */
export function createBuiltinProvider(db: Db): MetricProvider {
  return {
    name: "builtin",
    snapshot(q: MetricQuery) {
      // The router writes a second once it is over: the window ends at the last complete second.
      const toSecond = Math.floor(q.at / 1000) - 1;
      const fromSecond = toSecond - Math.max(1, Math.round(q.windowSeconds)) + 1;
      const range = { serviceId: q.target.serviceId, environmentId: q.target.environmentId, fromSecond, toSecond };
      const versions = { canary: q.canaryVersion, baseline: q.baselineVersion };
      const aggregates = windowAggregates(db, { ...range, versions });
      const resources = resourceAverages(db, range);
      const seconds = toSecond - fromSecond + 1;
      const values = (variant: "canary" | "baseline"): VariantValues | null => {
        const a = aggregates.find((x) => x.variant === variant);
        if (!a || a.requests === 0) return null;
        const r = resources.find((x) => x.variant === variant);
        return {
          requests: a.requests,
          request_rate: a.requests / seconds,
          p50_ms: a.p50,
          p95_ms: a.p95,
          p99_ms: a.p99,
          error_rate: (100 * a.errors) / a.requests,
          cpu_pct: r?.cpu ?? null,
          memory_pct: r?.memory ?? null,
        };
      };
      const rows = secondSeries(db, { ...range, versions });
      const seriesOf = (variant: "canary" | "baseline") => {
        const mine = rows.filter((x) => x.variant === variant);
        return { latency: mine.map((x) => x.mean), errors: mine.map((x) => (100 * x.errors) / Math.max(1, x.requests)) };
      };
      // The step's counts start at its first whole second (a request of that second before the step began is counted).
      const stepFrom = Math.floor(q.stepStartedAt / 1000);
      const counts = variantCounts(db, { ...range, fromSecond: stepFrom, versions });
      return Promise.resolve({
        windowSeconds: seconds,
        step: { since: stepFrom * 1000, canary: counts.canary, baseline: counts.baseline },
        canary: values("canary"),
        baseline: values("baseline"),
        series: { canary: seriesOf("canary"), baseline: seriesOf("baseline") },
      });
    },
  };
}
