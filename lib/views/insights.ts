import "server-only";
import type { Executor } from "@/db/connection";
import { findService, listEnvironments } from "@/db/queries/catalog";
import { incidentsIn, releasesIn, rolloutsIn, rolloutsWithFacts } from "@/db/queries/insights";
import { type DeploymentFact, type DoraKeys, type RestoreFact, type TrendPoint, doraKeys, doraTrend } from "@/lib/domain/insights/dora";
import { type InsightsQuery, type InsightsRange, insightsQuerySchema, rangeOf } from "@/lib/domain/insights/inputs";
import { type ReleaseTimeSpent, TIME_CATEGORIES, type TimeSpent, emptyTimeSpent, incidentTime } from "@/lib/domain/insights/time-spent";
import { groupBy } from "@/lib/domain/group-by";
import { parseSpent, replayReleases, replayRollouts } from "@/lib/services/insights/time-facts";

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

/**
 * The Insights page at one instant: the four keys over the range and per day or week, and where
 * the time of each release alive in the range went (issue 14, item 4). Finished rollouts and ended
 * releases are read from their stored time facts; only the live ones (and any without facts) are
 * replayed from their audit events (lib/services/insights/time-facts.ts).
 */
export function loadInsights(db: Executor, scope: { serviceId?: number; environmentId?: number }, range: InsightsRange, now: number): Insights {
  const s = { ...scope, from: range.from, to: range.to };
  const rows = rolloutsIn(db, s);
  const releaseRows = releasesIn(db, s);
  const replayed = replayRollouts(
    db,
    rolloutsWithFacts(db, { ids: rows.filter((r) => r.factsAt === null).map((r) => r.id) }).map((r) => r.rollout),
    now,
  );
  const liveReleases = replayReleases(
    db,
    releaseRows.filter((r) => r.factsAt === null),
    now,
  );
  const incidents = incidentsIn(
    db,
    s,
    rows.map((r) => r.id),
    releaseRows.map((r) => r.id),
  );
  const rolloutsWithIncident = new Set(incidents.map((i) => i.rolloutId));
  const incidentsByRelease = groupBy(incidents, (i) => i.releaseId);

  const deployments: DeploymentFact[] = rows.map((r) => {
    const facts = r.factsAt === null ? replayed.get(r.id)! : { restoration: r.restoration ?? false, abortedAt: r.abortedAt };
    return {
      rolloutId: r.id,
      releaseId: r.releaseId,
      serviceId: r.serviceId,
      environmentId: r.environmentId,
      status: r.status,
      restoration: facts.restoration,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      changeAt: r.releaseCreatedAt ?? r.createdAt,
      abortedAt: facts.abortedAt,
      incident: rolloutsWithIncident.has(r.id),
    };
  });
  const restores: RestoreFact[] = incidents
    .filter((i) => i.rolloutId === null && (!scope.serviceId || i.serviceId === scope.serviceId) && (!scope.environmentId || i.environmentId === scope.environmentId))
    .map((i) => ({ incidentId: i.id, detectedAt: i.detectedAt ?? i.openedAt, mitigatedAt: i.mitigatedAt }));

  const releases: ReleaseInsight[] = releaseRows.map((rel) => {
    const { spent, totalMs } = rel.factsAt === null ? liveReleases.get(rel.id)! : { spent: parseSpent(rel.spent!), totalMs: rel.totalMs! };
    const incidentMs = incidentTime(
      (incidentsByRelease.get(rel.id) ?? []).map((i) => ({ from: i.detectedAt ?? i.openedAt, to: i.resolvedAt ?? now })),
      now,
    );
    return { releaseId: rel.id, serviceId: rel.serviceId, version: rel.version, status: rel.status, createdAt: rel.createdAt, spent, incidentMs, totalMs };
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
