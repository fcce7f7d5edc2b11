import { csvOf } from "@/lib/domain/csv";
import type { TrendPoint } from "./dora";
import { TIME_CATEGORIES, type TimeSpent } from "./time-spent";

// The Insights exports (issue 14, item 4): the keys per day or week, and where each release's
// time went. Durations in hours or minutes as plain numbers, times in ISO 8601 UTC.

export const INSIGHTS_EXPORTS = ["trend", "releases"] as const;
export type InsightsExport = (typeof INSIGHTS_EXPORTS)[number];

const iso = (t: number) => new Date(t).toISOString();
const hours = (ms: number | null) => (ms === null ? "" : Number((ms / 3_600_000).toFixed(3)));
const minutes = (ms: number | null) => (ms === null ? "" : Number((ms / 60_000).toFixed(2)));

export function trendCsv(trend: readonly TrendPoint[]): string {
  return csvOf(
    ["bucket_start", "deployments", "deployments_per_day", "lead_time_median_h", "lead_time_p90_h", "change_failure_rate", "failed", "finished", "time_to_restore_median_min", "restorations"],
    trend.map((p) => [
      iso(p.at),
      p.deployments,
      Number(p.perDay.toFixed(3)),
      hours(p.leadTime.median),
      hours(p.leadTime.p90),
      p.changeFailureRate.rate === null ? "" : Number(p.changeFailureRate.rate.toFixed(4)),
      p.changeFailureRate.failed,
      p.changeFailureRate.finished,
      minutes(p.timeToRestore.median),
      p.timeToRestore.n,
    ]),
  );
}

export interface ReleaseTimeRow {
  releaseId: number;
  service: string;
  version: string;
  status: string;
  createdAt: number;
  totalMs: number;
  incidentMs: number;
  spent: TimeSpent;
}

export function releasesCsv(rows: readonly ReleaseTimeRow[]): string {
  return csvOf(
    ["release_id", "service", "version", "status", "created_at", "total_h", ...TIME_CATEGORIES.map((c) => `${c}_h`), "incident_h"],
    rows.map((r) => [r.releaseId, r.service, r.version, r.status, iso(r.createdAt), hours(r.totalMs), ...TIME_CATEGORIES.map((c) => hours(r.spent[c])), hours(r.incidentMs)]),
  );
}
