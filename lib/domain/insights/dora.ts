/**
 * The four keys of DORA (Google's DevOps Research and Assessment; the Four Keys project),
 * computed from Flightdeck's own records (issue 14, item 4). A deployment is a rollout of a change
 * that finished (succeeded or rolled back) in the range; a rollout that redeploys an earlier
 * version to undo one is a restoration, not a deployment.
 */

export const DORA_KEYS = ["deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore"] as const;
export type DoraKey = (typeof DORA_KEYS)[number];

export const DORA_DEFINITIONS: Record<DoraKey, { label: string; definition: string }> = {
  deployment_frequency: {
    label: "Deployment frequency",
    definition: "How often a change reaches the environment: rollouts that succeeded in the range, per day.",
  },
  lead_time: {
    label: "Lead time for changes",
    definition:
      "From the change to its deployment: the release's creation (Flightdeck does not know the commit time yet) or, for a rollout started without a release, the rollout's creation, to the rollout's success. Median, with the 90th percentile.",
  },
  change_failure_rate: {
    label: "Change failure rate",
    definition: "Share of finished deployments that failed: rolled back, or followed by an incident linked to them.",
  },
  time_to_restore: {
    label: "Time to restore service",
    definition:
      "From the failure to the service restored: a rolled-back deployment from the rollback decision to the rollback's end; an incident not opened by a rollback from its detection to its mitigation. Median.",
  },
};

/** A rollout, as the keys read it. */
export interface DeploymentFact {
  rolloutId: number;
  releaseId: number | null;
  serviceId: number;
  environmentId: number;
  status: string;
  /** A redeploy of an earlier version that undoes a change (a restoration, not a deployment). */
  restoration: boolean;
  createdAt: number;
  finishedAt: number | null;
  /** The change's start: the release's creation, else the rollout's. */
  changeAt: number;
  /** When the rollback was decided (first `rollout.abort`), if it was. */
  abortedAt: number | null;
  /** An incident is linked to this rollout. */
  incident: boolean;
}

/** An incident not opened by a rollback (those are told by their deployment). */
export interface RestoreFact {
  incidentId: number;
  detectedAt: number;
  mitigatedAt: number | null;
}

export interface Range {
  from: number;
  to: number;
}

const DAY = 86_400_000;

/** The p-th percentile (nearest rank) of `values`, or null when there is none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const isFailed = (d: DeploymentFact): boolean => d.status === "rolled_back" || d.incident;

export interface DoraKeys {
  deployments: number;
  perDay: number;
  leadTime: { median: number | null; p90: number | null; n: number };
  changeFailureRate: { rate: number | null; failed: number; finished: number };
  timeToRestore: { median: number | null; n: number };
}

const inRange = (t: number | null, r: Range): t is number => t !== null && t >= r.from && t < r.to;

/** The deployments of a change finished in the range. */
export const finishedIn = (deployments: readonly DeploymentFact[], r: Range) =>
  deployments.filter((d) => !d.restoration && (d.status === "succeeded" || d.status === "rolled_back") && inRange(d.finishedAt, r));

/** Each restoration in the range, in ms: rolled-back deployments and incidents not opened by a rollback. */
export function restoreTimes(deployments: readonly DeploymentFact[], incidents: readonly RestoreFact[], r: Range): number[] {
  const fromRollbacks = finishedIn(deployments, r)
    .filter((d) => d.status === "rolled_back" && d.abortedAt !== null)
    .map((d) => d.finishedAt! - d.abortedAt!);
  const fromIncidents = incidents.filter((i) => inRange(i.mitigatedAt, r)).map((i) => i.mitigatedAt! - i.detectedAt);
  return [...fromRollbacks, ...fromIncidents].map((ms) => Math.max(0, ms));
}

export function doraKeys(deployments: readonly DeploymentFact[], incidents: readonly RestoreFact[], r: Range): DoraKeys {
  const finished = finishedIn(deployments, r);
  const succeeded = finished.filter((d) => d.status === "succeeded");
  const leads = succeeded.map((d) => Math.max(0, d.finishedAt! - d.changeAt));
  const failed = finished.filter(isFailed).length;
  const restores = restoreTimes(deployments, incidents, r);
  const days = Math.max(1, (r.to - r.from) / DAY);
  return {
    deployments: succeeded.length,
    perDay: succeeded.length / days,
    leadTime: { median: percentile(leads, 50), p90: percentile(leads, 90), n: leads.length },
    changeFailureRate: { rate: finished.length === 0 ? null : failed / finished.length, failed, finished: finished.length },
    timeToRestore: { median: percentile(restores, 50), n: restores.length },
  };
}

export interface TrendPoint extends DoraKeys {
  /** Start of the bucket (UTC midnight of the day or of the week's Monday). */
  at: number;
}

/** Bucket size of the trend: days up to five weeks, weeks beyond. */
export const bucketMs = (r: Range): number => (r.to - r.from <= 35 * DAY ? DAY : 7 * DAY);

/** Start of the bucket holding `t`: UTC midnight, or the UTC Monday of its week. */
export function bucketStart(t: number, size: number): number {
  const day = Math.floor(t / DAY) * DAY;
  if (size === DAY) return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0
  return day - weekday * DAY;
}

/** The keys per day or week over the range (an empty bucket has zero deployments and no medians). */
export function doraTrend(deployments: readonly DeploymentFact[], incidents: readonly RestoreFact[], r: Range): TrendPoint[] {
  const size = bucketMs(r);
  const out: TrendPoint[] = [];
  for (let at = bucketStart(r.from, size); at < r.to; at += size) {
    const bucket = { from: Math.max(at, r.from), to: Math.min(at + size, r.to) };
    out.push({ at, ...doraKeys(deployments, incidents, bucket) });
  }
  return out;
}
