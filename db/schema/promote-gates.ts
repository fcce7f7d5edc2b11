import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { services } from "./catalog";
import { rollouts } from "./rollouts";

/**
 * Runbook 000's promote criteria as gates (issue 13 item 3, REQUIREMENTS H6): per service, which
 * gates hold promotion (CI on the same commit, smoke endpoints, a critical-log quiet period, a
 * person's attestation). `config` is JSON validated by lib/domain/promote-gates (PromoteGatesConfig).
 */
export const promoteGatesConfig = sqliteTable("promote_gates_config", {
  serviceId: integer("service_id")
    .primaryKey()
    .references(() => services.id, { onDelete: "cascade" }),
  config: text("config").notNull(),
  updatedAt: integer("updated_at").notNull(),
  rowVersion: integer("row_version").notNull().default(1),
});

/** Every CI gate run, by (service, commit): runbook 000's "CI gate history" of the deployed commit. */
export const ciGateRuns = sqliteTable(
  "ci_gate_runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    serviceId: integer("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    /** The version the rollout deploys (a commit for services built from git). */
    commit: text("commit").notNull(),
    rolloutId: integer("rollout_id").references(() => rollouts.id, { onDelete: "set null" }),
    kind: text("kind", { enum: ["command", "url"] }).notNull(),
    /** The command, or the URL with its variables filled in. */
    target: text("target").notNull(),
    passed: integer("passed", { mode: "boolean" }).notNull(),
    /** Exit code of the command or HTTP status of the URL; null: it did not finish (timeout, network). */
    code: integer("code"),
    /** The end of the command's output or the start of the answer (a few KB at most). */
    output: text("output").notNull(),
    durationMs: integer("duration_ms").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("ci_gate_runs_service_commit").on(t.serviceId, t.commit, t.at)],
);

/** The latest evaluation of each gate of a rollout (what the rollout page shows). */
export const rolloutGateResults = sqliteTable(
  "rollout_gate_results",
  {
    rolloutId: integer("rollout_id")
      .notNull()
      .references(() => rollouts.id, { onDelete: "cascade" }),
    gate: text("gate", { enum: ["ci", "smoke", "logs", "attestation"] }).notNull(),
    status: text("status", { enum: ["pending", "passed", "failed"] }).notNull(),
    /** One sentence: why it passed, fails or waits. */
    summary: text("summary").notNull(),
    /** JSON: the gate's evidence (checks, matching lines with context, run id, attestation). */
    evidence: text("evidence").notNull(),
    evaluatedAt: integer("evaluated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.rolloutId, t.gate] })],
);

/**
 * When a rollout's canary started and where its log files stood just before (byte offsets by path):
 * the log gate scans only what the canary wrote since, and its quiet period counts from `startedAt`.
 */
export const rolloutCanaryMarks = sqliteTable("rollout_canary_marks", {
  rolloutId: integer("rollout_id")
    .primaryKey()
    .references(() => rollouts.id, { onDelete: "cascade" }),
  startedAt: integer("started_at").notNull(),
  /** JSON Record<path, bytes> measured before the deploy. */
  offsets: text("offsets").notNull(),
});

/** "Core path validated" (runbook 000 section 4): one attestation per rollout, by a person holding the configured role. */
export const rolloutAttestations = sqliteTable("rollout_attestations", {
  rolloutId: integer("rollout_id")
    .primaryKey()
    .references(() => rollouts.id, { onDelete: "cascade" }),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id),
  role: text("role").notNull(),
  /** JSON string[]: the checklist items ticked (all of them, or the attestation is refused). */
  items: text("items").notNull(),
  note: text("note"),
  at: integer("at").notNull(),
});
