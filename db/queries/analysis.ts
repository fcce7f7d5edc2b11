import { and, desc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import type { VariantCounts } from "@/lib/domain/analysis/evaluate";
import { type LatencyHistogram, type SparseHistogram, SparseAccumulator, quantile } from "@/lib/domain/analysis/histogram";
import type { ResourceRow, SampleRow } from "@/lib/domain/analysis/snapshot";
import type { Executor } from "../connection";
import { analysisDecisions, analysisEvidence, analysisState, auditEvents, environments, metricSamples, providerSamples, resourceSamples, rollouts, serviceAnalysis, services } from "../schema";

export type AnalysisStateRow = typeof analysisState.$inferSelect;
export type AnalysisDecisionRow = typeof analysisDecisions.$inferSelect;

export const findServiceAnalysis = (db: Executor, serviceId: number) => db.select().from(serviceAnalysis).where(eq(serviceAnalysis.serviceId, serviceId)).get();

/** Writes a service's analysis config; `rowVersion` null creates it. False on a concurrent change. */
export function upsertServiceAnalysis(db: Executor, v: { serviceId: number; config: string; at: number; rowVersion: number | null }): boolean {
  if (v.rowVersion === null) {
    return db.insert(serviceAnalysis).values({ serviceId: v.serviceId, config: v.config, updatedAt: v.at }).onConflictDoNothing().run().changes > 0;
  }
  return (
    db
      .update(serviceAnalysis)
      .set({ config: v.config, updatedAt: v.at, rowVersion: v.rowVersion + 1 })
      .where(and(eq(serviceAnalysis.serviceId, v.serviceId), eq(serviceAnalysis.rowVersion, v.rowVersion)))
      .run().changes > 0
  );
}

export const findAnalysisState = (db: Executor, rolloutId: number) => db.select().from(analysisState).where(eq(analysisState.rolloutId, rolloutId)).get();

export function saveAnalysisState(db: Executor, v: Omit<AnalysisStateRow, "evaluations">): void {
  db.insert(analysisState)
    .values({ ...v, evaluations: 1 })
    .onConflictDoUpdate({
      target: analysisState.rolloutId,
      set: { state: v.state, verdict: v.verdict, reasons: v.reasons, health: v.health, score: v.score, canary: v.canary, baseline: v.baseline, evaluatedAt: v.evaluatedAt, evidence: v.evidence, evaluations: sql`${analysisState.evaluations} + 1` },
    })
    .run();
}

export function insertDecision(db: Executor, v: Omit<AnalysisDecisionRow, "id">): AnalysisDecisionRow {
  return db.insert(analysisDecisions).values(v).returning().get();
}

export const listDecisions = (db: Executor, rolloutId: number, limit = 200) =>
  db.select().from(analysisDecisions).where(eq(analysisDecisions.rolloutId, rolloutId)).orderBy(desc(analysisDecisions.id)).limit(limit).all();

/** The newest decisions across rollouts, with where they happened (overview). */
export const latestDecisions = (db: Executor, limit = 10) =>
  db
    .select({ decision: analysisDecisions, service: services.name, environment: environments.name, version: rollouts.toVersion })
    .from(analysisDecisions)
    .innerJoin(rollouts, eq(rollouts.id, analysisDecisions.rolloutId))
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .orderBy(desc(analysisDecisions.id))
    .limit(limit)
    .all();

export const analysisStatesOf = (db: Executor, rolloutIds: number[]) =>
  rolloutIds.length ? db.select().from(analysisState).where(inArray(analysisState.rolloutId, rolloutIds)).all() : [];

export interface WindowAggregate {
  variant: "baseline" | "canary";
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  seconds: number;
}

type VersionPair = { canary: string; baseline: string | null };
/** The router's rows of one service, environment, second range and the rollout's two versions. */
const samplesOf = (q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number; versions: VersionPair }) => sql`
  service_id = ${q.serviceId} AND environment_id = ${q.environmentId} AND second BETWEEN ${q.fromSecond} AND ${q.toSecond}
  AND ((variant = 'canary' AND version = ${q.versions.canary}) OR (variant = 'baseline' AND version = ${q.versions.baseline ?? ""}))`;

/**
 * The merged histogram of `group_concat(latency_hist)` (the per-second sparse maps, comma-joined
 * by SQLite so a group is one string to scan), or null when no row of the group has one.
 */
function mergedHistogram(acc: SparseAccumulator, concat: string | null): LatencyHistogram | null {
  if (!concat) return null;
  acc.addJson(concat);
  const h = acc.histogram();
  return h.counts.length ? h : null;
}

/**
 * Per-variant aggregates of the router's per-second rows over [fromSecond, toSecond]. Percentiles
 * are true window percentiles from the merged per-second histograms (REQUIREMENTS I1; within 1.6%);
 * a variant whose rows predate histograms falls back to request-weighted means of the per-second
 * percentiles, which understate a tail (each second's p99 is its slowest request at low rates).
 */
export function windowAggregates(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number; versions: { canary: string; baseline: string } }): WindowAggregate[] {
  const rows = db.all<WindowAggregate & { hists: string | null }>(sql`
    SELECT variant, sum(requests) AS requests, sum(errors_5xx) AS errors,
      sum(p50_ms * requests) / sum(requests) AS p50, sum(p95_ms * requests) / sum(requests) AS p95,
      sum(p99_ms * requests) / sum(requests) AS p99, count(*) AS seconds, group_concat(latency_hist) AS hists
    FROM metric_samples WHERE ${samplesOf(q)}
    GROUP BY variant`);
  const acc = new SparseAccumulator();
  return rows.map(({ hists, ...a }) => {
    const h = mergedHistogram(acc, hists);
    return h ? { ...a, p50: quantile(h, 0.5), p95: quantile(h, 0.95), p99: quantile(h, 0.99) } : a;
  });
}

/**
 * Per-variant counts over [fromSecond, toSecond] with the merged latency histogram (null when no
 * row has one): the sequential tests' input from the step's start. A variant without rows is null.
 */
export function variantCounts(
  db: Executor,
  q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number; versions: { canary: string; baseline: string } },
): Record<"canary" | "baseline", VariantCounts | null> {
  const rows = db.all<{ variant: "canary" | "baseline"; requests: number; errors: number; hists: string | null }>(sql`
    SELECT variant, sum(requests) AS requests, sum(errors_5xx) AS errors, group_concat(latency_hist) AS hists
    FROM metric_samples WHERE ${samplesOf(q)}
    GROUP BY variant`);
  const acc = new SparseAccumulator();
  const of = (variant: "canary" | "baseline"): VariantCounts | null => {
    const r = rows.find((x) => x.variant === variant);
    return r ? { requests: r.requests, errors: r.errors, latency: mergedHistogram(acc, r.hists) } : null;
  };
  return { canary: of("canary"), baseline: of("baseline") };
}

/**
 * Every stored second of a service in an environment over [fromSecond, toSecond], in second order,
 * histograms parsed (null in rows from before them): the replay's input (lib/domain/analysis/replay.ts).
 */
export function sampleRows(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number }): SampleRow[] {
  return db
    .select()
    .from(metricSamples)
    .where(and(eq(metricSamples.serviceId, q.serviceId), eq(metricSamples.environmentId, q.environmentId), gte(metricSamples.second, q.fromSecond), lte(metricSamples.second, q.toSecond)))
    .orderBy(metricSamples.second)
    .all()
    .map((r) => ({
      second: r.second,
      variant: r.variant,
      version: r.version,
      requests: r.requests,
      errors: r.errors5xx,
      p50Ms: r.p50Ms,
      p95Ms: r.p95Ms,
      p99Ms: r.p99Ms,
      meanMs: r.meanMs,
      latency: r.latencyHist ? (JSON.parse(r.latencyHist) as SparseHistogram) : null,
    }));
}

/** The /proc samples of a service's processes in an environment over [fromSecond, toSecond] (replay). */
export function resourceRows(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number }): ResourceRow[] {
  return db
    .select({ second: resourceSamples.second, variant: resourceSamples.variant, cpuPct: resourceSamples.cpuPct, memoryPct: resourceSamples.memoryPct })
    .from(resourceSamples)
    .where(and(eq(resourceSamples.serviceId, q.serviceId), eq(resourceSamples.environmentId, q.environmentId), gte(resourceSamples.second, q.fromSecond), lte(resourceSamples.second, q.toSecond)))
    .orderBy(resourceSamples.second)
    .all();
}

/** Per-second mean latency and error percent per variant (the judge's samples). */
export function secondSeries(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number; versions: { canary: string; baseline: string } }) {
  return db
    .select({ variant: metricSamples.variant, second: metricSamples.second, mean: metricSamples.meanMs, requests: metricSamples.requests, errors: metricSamples.errors5xx })
    .from(metricSamples)
    .where(
      and(
        eq(metricSamples.serviceId, q.serviceId),
        eq(metricSamples.environmentId, q.environmentId),
        gte(metricSamples.second, q.fromSecond),
        lte(metricSamples.second, q.toSecond),
        sql`((${metricSamples.variant} = 'canary' AND ${metricSamples.version} = ${q.versions.canary}) OR (${metricSamples.variant} = 'baseline' AND ${metricSamples.version} = ${q.versions.baseline}))`,
      ),
    )
    .all();
}

export function resourceAverages(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number }) {
  return db
    .select({ variant: resourceSamples.variant, cpu: sql<number>`avg(${resourceSamples.cpuPct})`, memory: sql<number>`avg(${resourceSamples.memoryPct})` })
    .from(resourceSamples)
    .where(and(eq(resourceSamples.serviceId, q.serviceId), eq(resourceSamples.environmentId, q.environmentId), gte(resourceSamples.second, q.fromSecond), lte(resourceSamples.second, q.toSecond)))
    .groupBy(resourceSamples.variant)
    .all();
}

export function insertResourceSamples(db: Executor, rows: (typeof resourceSamples.$inferInsert)[]): void {
  if (rows.length === 0) return;
  db.insert(resourceSamples)
    .values(rows)
    .onConflictDoUpdate({
      target: [resourceSamples.serviceId, resourceSamples.environmentId, resourceSamples.second, resourceSamples.variant],
      set: { cpuPct: sql`excluded.cpu_pct`, rssBytes: sql`excluded.rss_bytes`, memoryPct: sql`excluded.memory_pct`, version: sql`excluded.version` },
    })
    .run();
}

export interface ChartRow {
  bucket: number;
  variant: "baseline" | "canary";
  requests: number;
  errors: number;
  /** Null when the provider had no latency for the bucket. */
  p95: number | null;
  seconds: number;
}

/**
 * Chart series decimated in SQL (`%` works on integers even when the bucket size is bound as REAL): rows grouped into `bucketSeconds` buckets
 * (summed requests and errors, p95 from the bucket's merged histograms, else request-weighted), so a
 * 2-hour canary at 1 s comes back as <= ~1,000 points per line.
 */
export function chartBuckets(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number; bucketSeconds: number; versions: VersionPair }): ChartRow[] {
  // One second per bucket: the router's own p95 of that second is exact, no histogram needed.
  const merge = q.bucketSeconds > 1;
  const rows = db.all<ChartRow & { hists: string | null }>(sql`
    SELECT (second - second % ${q.bucketSeconds}) AS bucket, variant, sum(requests) AS requests, sum(errors_5xx) AS errors,
      sum(p95_ms * requests) / max(1, sum(requests)) AS p95, count(*) AS seconds,
      ${merge ? sql`group_concat(latency_hist)` : sql`NULL`} AS hists
    FROM metric_samples WHERE ${samplesOf(q)}
    GROUP BY bucket, variant ORDER BY bucket`);
  const acc = new SparseAccumulator();
  return rows.map(({ hists, ...r }) => {
    const h = mergedHistogram(acc, hists);
    return h ? { ...r, p95: quantile(h, 0.95) } : r;
  });
}

/** A per-second chart row read from an external provider (Snapshot.chart), stored for the charts. */
export type ProviderSampleRow = typeof providerSamples.$inferInsert;

/**
 * Stores the provider's per-second chart rows (Prometheus-only services). A second read again
 * replaces the earlier read: later reads include late scrapes. Call inside the tick's commit.
 */
export function insertProviderSamples(db: Executor, rows: readonly ProviderSampleRow[] | undefined): void {
  if (!rows?.length) return;
  // 8 bound values per row: chunks stay far below SQLite's variable limit.
  for (let i = 0; i < rows.length; i += 500) {
    db.insert(providerSamples)
      .values(rows.slice(i, i + 500))
      .onConflictDoUpdate({
        target: [providerSamples.serviceId, providerSamples.environmentId, providerSamples.second, providerSamples.variant],
        set: { version: sql`excluded.version`, requests: sql`excluded.requests`, errors5xx: sql`excluded.errors_5xx`, p95Ms: sql`excluded.p95_ms` },
      })
      .run();
  }
}

/** chartBuckets over provider_samples: the same rows for a service measured by Prometheus (p95 request-weighted per bucket). */
export function providerChartBuckets(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number; bucketSeconds: number; versions: VersionPair }): ChartRow[] {
  return db.all<ChartRow>(sql`
    SELECT (second - second % ${q.bucketSeconds}) AS bucket, variant, sum(requests) AS requests, sum(errors_5xx) AS errors,
      sum(p95_ms * requests) / max(1e-9, sum(CASE WHEN p95_ms IS NULL THEN 0 ELSE requests END)) AS p95, count(*) AS seconds
    FROM provider_samples WHERE ${samplesOf(q)}
    GROUP BY bucket, variant ORDER BY bucket`);
}

export function resourceBuckets(db: Executor, q: { serviceId: number; environmentId: number; fromSecond: number; toSecond: number; bucketSeconds: number }) {
  return db.all<{ bucket: number; variant: "baseline" | "canary"; cpu: number; memory: number }>(sql`
    SELECT (second - second % ${q.bucketSeconds}) AS bucket, variant, avg(cpu_pct) AS cpu, avg(memory_pct) AS memory
    FROM resource_samples
    WHERE service_id = ${q.serviceId} AND environment_id = ${q.environmentId} AND second BETWEEN ${q.fromSecond} AND ${q.toSecond}
    GROUP BY bucket, variant ORDER BY bucket`);
}

/** The rollout's audit trail (weight changes and phase markers for the charts). */
export const rolloutAuditTrail = (db: Executor, rolloutId: number) =>
  db
    .select({ at: auditEvents.createdAt, action: auditEvents.action, details: auditEvents.details })
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectType, "rollout"), eq(auditEvents.subjectId, String(rolloutId))))
    .orderBy(auditEvents.id)
    .all();

/** Sets a service's analysis config unconditionally (seeding and scripts; users go through the service verb). */
export function putServiceAnalysis(db: Executor, serviceId: number, config: string, at: number): void {
  db.insert(serviceAnalysis)
    .values({ serviceId, config, updatedAt: at })
    .onConflictDoUpdate({ target: serviceAnalysis.serviceId, set: { config, updatedAt: at, rowVersion: sql`${serviceAnalysis.rowVersion} + 1` } })
    .run();
}

/** Appends one evaluation's per-rule evidence (telemetry for the evidence charts; not audited). */
export function insertEvidence(db: Executor, v: { rolloutId: number; at: number; rules: string }): void {
  db.insert(analysisEvidence).values(v).run();
}

/** The last evidence row of each `bucketMs` bucket of a rollout in [fromMs, toMs] (<= ~1,000 points per line). */
export function evidenceBuckets(db: Executor, q: { rolloutId: number; fromMs: number; toMs: number; bucketMs: number }) {
  return db.all<{ at: number; rules: string }>(sql`
    SELECT at, rules FROM analysis_evidence WHERE id IN (
      SELECT max(id) FROM analysis_evidence
      WHERE rollout_id = ${q.rolloutId} AND at BETWEEN ${q.fromMs} AND ${q.toMs}
      GROUP BY at - at % ${Math.max(1, Math.round(q.bucketMs))}
    ) ORDER BY at`);
}
