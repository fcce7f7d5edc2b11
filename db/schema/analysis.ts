import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { services } from "./catalog";
import { rollouts } from "./rollouts";

/** Canary analysis config per service (lib/domain/analysis/config.ts, validated JSON); none = defaults. */
export const serviceAnalysis = sqliteTable("service_analysis", {
  serviceId: integer("service_id")
    .primaryKey()
    .references(() => services.id, { onDelete: "cascade" }),
  config: text("config").notNull(),
  updatedAt: integer("updated_at").notNull(),
  rowVersion: integer("row_version").notNull().default(1),
});

/** The latest evaluation of a live rollout (what the page and the hold gate read) plus the rule streaks. */
export const analysisState = sqliteTable("analysis_state", {
  rolloutId: integer("rollout_id")
    .primaryKey()
    .references(() => rollouts.id),
  /** JSON AnalysisState (streaks, consecutive error counts). */
  state: text("state").notNull(),
  verdict: text("verdict", { enum: ["pass", "fail", "inconclusive", "error"] }).notNull(),
  /** JSON string[]: why (shown to on-call). */
  reasons: text("reasons").notNull(),
  health: text("health", { enum: ["healthy", "degraded", "unhealthy"] }),
  score: integer("score"),
  /** JSON VariantValues | null of the last window. */
  canary: text("canary"),
  baseline: text("baseline"),
  evaluatedAt: integer("evaluated_at").notNull(),
  evaluations: integer("evaluations").notNull().default(0),
  /** JSON RuleEvidence[]: each count rule's sequential test at the last evaluation (panel, overview). */
  evidence: text("evidence"),
});

/** Every analysis verdict that changed something, with its numbers (REQUIREMENTS I5). Append-only by convention. */
export const analysisDecisions = sqliteTable(
  "analysis_decisions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    rolloutId: integer("rollout_id")
      .notNull()
      .references(() => rollouts.id),
    at: integer("at").notNull(),
    kind: text("kind").notNull(),
    verdict: text("verdict").notNull(),
    ruleId: text("rule_id"),
    source: text("source"),
    metric: text("metric"),
    comparison: text("comparison"),
    canaryValue: real("canary_value"),
    baselineValue: real("baseline_value"),
    threshold: real("threshold"),
    windowSeconds: real("window_seconds").notNull(),
    forMs: integer("for_ms"),
    satisfiedAt: integer("satisfied_at").notNull(),
    sentence: text("sentence").notNull(),
    /** What the decision did: "rollback", "pause", or "none" with why (e.g. refused by policy). */
    outcome: text("outcome").notNull(),
    /** JSON: the sequential test behind a count rule's decision (e-value, alpha, counts, latency cut); null otherwise. */
    evidence: text("evidence"),
  },
  (t) => [index("analysis_decisions_rollout").on(t.rolloutId, t.id)],
);

/** CPU and memory of each version's process per second (sampled by the worker from /proc, local driver). */
export const resourceSamples = sqliteTable(
  "resource_samples",
  {
    serviceId: integer("service_id").notNull(),
    environmentId: integer("environment_id").notNull(),
    second: integer("second").notNull(),
    variant: text("variant", { enum: ["baseline", "canary"] }).notNull(),
    version: text("version").notNull(),
    cpuPct: real("cpu_pct").notNull(),
    rssBytes: integer("rss_bytes").notNull(),
    memoryPct: real("memory_pct").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.environmentId, t.second, t.variant] })],
);

/**
 * Per-second chart rows read from an external metrics provider (Prometheus) by the analysis tick:
 * the charts of a service whose traffic the local router does not see. Kept apart from
 * metric_samples so they never mix with router rows of the same second.
 */
export const providerSamples = sqliteTable(
  "provider_samples",
  {
    serviceId: integer("service_id").notNull(),
    environmentId: integer("environment_id").notNull(),
    second: integer("second").notNull(),
    variant: text("variant", { enum: ["baseline", "canary"] }).notNull(),
    version: text("version").notNull(),
    /** Requests and 5xx in that second (rates from the provider: may be fractional). */
    requests: real("requests").notNull(),
    errors5xx: real("errors_5xx").notNull(),
    p95Ms: real("p95_ms"),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.environmentId, t.second, t.variant] })],
);

/**
 * Each count rule's evidence at every evaluation of a rollout (the evidence charts, J1/I6):
 * JSON [ruleId, ln evidence, canary bad share, upper bound, threshold share, baseline share | null][].
 */
export const analysisEvidence = sqliteTable(
  "analysis_evidence",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    rolloutId: integer("rollout_id")
      .notNull()
      .references(() => rollouts.id),
    at: integer("at").notNull(),
    rules: text("rules").notNull(),
  },
  (t) => [index("analysis_evidence_rollout").on(t.rolloutId, t.at)],
);
