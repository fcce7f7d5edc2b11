import "server-only";
import type { Executor } from "@/db/connection";
import { findService, listEnvironments } from "@/db/queries/catalog";
import { incidentsIn, releasesIn, rolloutsIn, rolloutsOfReleases, subjectEvents } from "@/db/queries/insights";
import type { RolloutRow } from "@/db/queries/rollouts";
import { type DeploymentFact, type DoraKeys, type RestoreFact, type TrendPoint, doraKeys, doraTrend } from "@/lib/domain/insights/dora";
import { type InsightsQuery, type InsightsRange, insightsQuerySchema, rangeOf } from "@/lib/domain/insights/inputs";
import { type ReleaseTimeSpent, type RolloutTimeFacts, TIME_CATEGORIES, type TimeSpent, emptyTimeSpent, releaseTimeSpent } from "@/lib/domain/insights/time-spent";
import type { ReleasePhase } from "@/lib/domain/release/lifecycle";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import { type Strategy, rollsBackOnFailure } from "@/lib/domain/rollout/strategy";
import { AUDIT_OF } from "@/lib/services/rollouts/apply-rollout-event";

const ROLLOUT_ACTIONS = [...new Set([...Object.values(AUDIT_OF), "rollout.succeeded"])];
const RELEASE_ACTIONS = ["release.advance", "release.abort"];

export interface ReleaseInsight extends ReleaseTimeSpent {
  releaseId: number;
  serviceId: number;
  version: string;
  status: string;
  createdAt: number;
}

export interface Insights {
  range: InsightsRange;
  keys: DoraKeys;
  trend: TrendPoint[];
  /** Every release alive in the range, with where its time went. */
  releases: ReleaseInsight[];
  /** The releases' time added up, and their incident time. */
  total: { spent: TimeSpent; incidentMs: number; totalMs: number };
}

type Row = { subjectId: string | null; action: string; createdAt: number; details: string };
/** An audit row with its details parsed once (the view reads each row's details at most once). */
type Parsed = Omit<Row, "details"> & { details: Record<string, unknown> };

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

const groupBySubject = (rows: readonly Row[]): Map<number, Parsed[]> =>
  groupBy(
    rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> })),
    (r) => Number(r.subjectId),
  );

function rolloutTimeFacts(r: RolloutRow, events: readonly Parsed[], now: number): RolloutTimeFacts {
  return {
    plan: JSON.parse(r.plan) as RolloutTimeFacts["plan"],
    rollbackOnFailure: rollsBackOnFailure(JSON.parse(r.strategy) as Strategy),
    events: events.flatMap((e) => {
      const event = e.details.event as RolloutEvent | undefined;
      return event && typeof event.type === "string" ? [{ at: e.createdAt, event }] : [];
    }),
    endAt: r.finishedAt ?? now,
  };
}

/**
 * The Insights page at one instant: the four keys over the range and per day or week, and where
 * the time of each release alive in the range went (issue 14, item 4).
 */
export function loadInsights(db: Executor, scope: { serviceId?: number; environmentId?: number }, range: InsightsRange, now: number): Insights {
  const s = { ...scope, from: range.from, to: range.to };
  const rows = rolloutsIn(db, s);
  const rolloutIds = rows.map((r) => r.rollout.id);

  const releaseRows = releasesIn(db, s);
  const releaseRollouts = rolloutsOfReleases(
    db,
    releaseRows.map((r) => r.id),
  );
  const rolloutsByRelease = groupBy(releaseRollouts, (o) => o.releaseId);
  // With an environment chosen, the releases that deployed there.
  const releasesShown = scope.environmentId ? releaseRows.filter((r) => rolloutsByRelease.get(r.id)?.some((o) => o.environmentId === scope.environmentId)) : releaseRows;

  const allRolloutIds = [...new Set([...rolloutIds, ...releaseRollouts.map((r) => r.id)])];
  const rolloutEvents = groupBySubject(subjectEvents(db, "rollout", allRolloutIds, ROLLOUT_ACTIONS));
  const releaseEvents = groupBySubject(
    subjectEvents(
      db,
      "release",
      releasesShown.map((r) => r.id),
      RELEASE_ACTIONS,
    ),
  );
  const incidents = incidentsIn(
    db,
    s,
    allRolloutIds,
    releasesShown.map((r) => r.id),
  );
  const rolloutsWithIncident = new Set(incidents.map((i) => i.rolloutId));
  const incidentsByRelease = groupBy(incidents, (i) => i.releaseId);

  const deployments: DeploymentFact[] = rows.map(({ rollout: r, releaseCreatedAt }) => {
    const events = rolloutEvents.get(r.id) ?? [];
    return {
      rolloutId: r.id,
      releaseId: r.releaseId,
      serviceId: r.serviceId,
      environmentId: r.environmentId,
      status: r.status,
      restoration: events.some((e) => e.action === "rollout.start" && e.details.rollback === true),
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      changeAt: releaseCreatedAt ?? r.createdAt,
      abortedAt: events.find((e) => e.action === "rollout.abort")?.createdAt ?? null,
      incident: rolloutsWithIncident.has(r.id),
    };
  });
  const restores: RestoreFact[] = incidents
    .filter((i) => i.rolloutId === null && (!scope.serviceId || i.serviceId === scope.serviceId) && (!scope.environmentId || i.environmentId === scope.environmentId))
    .map((i) => ({ incidentId: i.id, detectedAt: i.detectedAt ?? i.openedAt, mitigatedAt: i.mitigatedAt }));

  const releases: ReleaseInsight[] = releasesShown.map((rel) => {
    const phases = (releaseEvents.get(rel.id) ?? []).flatMap((e) => {
      const to = e.details.to;
      return typeof to === "string" ? [{ at: e.createdAt, to: to as ReleasePhase }] : [];
    });
    if (rel.status === "aborted" && !phases.some((p) => p.to === "aborted")) phases.push({ at: rel.updatedAt, to: "aborted" });
    const spent = releaseTimeSpent({
      createdAt: rel.createdAt,
      phases,
      rollouts: (rolloutsByRelease.get(rel.id) ?? []).map((o) => rolloutTimeFacts(o, rolloutEvents.get(o.id) ?? [], now)),
      incidents: (incidentsByRelease.get(rel.id) ?? []).map((i) => ({ from: i.detectedAt ?? i.openedAt, to: i.resolvedAt ?? now })),
      now,
    });
    return { releaseId: rel.id, serviceId: rel.serviceId, version: rel.version, status: rel.status, createdAt: rel.createdAt, ...spent };
  });

  const total = { spent: emptyTimeSpent(), incidentMs: 0, totalMs: 0 };
  for (const r of releases) {
    for (const c of TIME_CATEGORIES) total.spent[c] += r.spent[c];
    total.incidentMs += r.incidentMs;
    total.totalMs += r.totalMs;
  }
  return { range, keys: doraKeys(deployments, restores, range), trend: doraTrend(deployments, restores, range), releases, total };
}

export type InsightsRequest =
  | { ok: true; insights: Insights; query: InsightsQuery; serviceId?: number; environmentId?: number }
  | { ok: false; reason: string; query: Partial<InsightsQuery> };

/**
 * The Insights of a query string: the environment defaults to the first production environment
 * ("all" for every one), the range to the last 30 days. Bad input gets its reason and no figures.
 */
export function insightsFor(db: Executor, raw: Record<string, string | undefined>, now: number): InsightsRequest {
  const parsed = insightsQuerySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => i.message).join(" "), query: {} };
  const query = parsed.data;
  const range = rangeOf(query, now);
  if (!range.ok) return { ok: false, reason: range.reason, query };
  const environments = listEnvironments(db);
  const environmentId = query.environment === "all" ? undefined : (query.environment ?? environments.find((e) => e.production)?.id);
  if (environmentId !== undefined && !environments.some((e) => e.id === environmentId)) return { ok: false, reason: "Choose an environment from the list.", query };
  if (query.service !== undefined && !findService(db, query.service)) return { ok: false, reason: "Choose a service from the list.", query };
  return { ok: true, insights: loadInsights(db, { serviceId: query.service, environmentId }, range.range, now), query, serviceId: query.service, environmentId };
}
