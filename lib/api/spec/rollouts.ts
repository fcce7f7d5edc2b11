import { z } from "zod";
import { CHART_METRICS, SERIES_SOURCES, metricsQuerySchema } from "@/lib/domain/analysis/chart";
import { VERDICTS } from "@/lib/domain/analysis/evaluate";
import { HEALTH_CLASSES } from "@/lib/domain/analysis/health";
import { controlRolloutInput, startRolloutInput, type ROLLOUT_COMMANDS } from "@/lib/domain/rollout/inputs";
import { ROLLOUT_STATUSES } from "@/lib/domain/rollout/machine";
import { defineOperation, idParam, type OperationSpec } from "../operation-spec";
import { pageQuerySchema, rolloutResourceSchema } from "./common";

export const listRollouts = defineOperation({
  id: "listRollouts",
  method: "GET",
  path: "/api/v1/rollouts",
  summary: "List rollouts, newest first",
  description: 'Filter by environment and status; the next page is in the `Link: <...>; rel="next"` header.',
  tags: ["rollouts"],
  permission: "rollout.read",
  query: z.strictObject({
    environment: z.string().trim().min(1).max(64).optional(),
    status: z.enum(ROLLOUT_STATUSES).optional(),
    ...pageQuerySchema,
  }),
  responses: { 200: { description: "A page of rollouts.", schema: z.object({ items: z.array(rolloutResourceSchema) }), headers: ["Link"] } },
});

export const getRollout = defineOperation({
  id: "getRollout",
  method: "GET",
  path: "/api/v1/rollouts/{id}",
  summary: "A rollout's stored state",
  description: "`ETag` is the row version: send it back as `If-Match` with a command.",
  tags: ["rollouts"],
  permission: "rollout.read",
  resource: "Rollout",
  params: z.object({ id: idParam }),
  responses: { 200: { description: "The rollout.", schema: rolloutResourceSchema, headers: ["ETag"] } },
});

const SUMMARIES: Record<(typeof ROLLOUT_COMMANDS)[number], string> = {
  pause: "Pause a running rollout where it is",
  resume: "Resume a paused rollout",
  promote: "Promote: skip the remaining holds and go to 100%",
  abort: "Abort: canary to 0% and removed; the stable version keeps all traffic",
  retry: "Retry the failed step of a rollout",
};

type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];

function commandSpec<const C extends RolloutCommand>(command: C) {
  return defineOperation({
    id: `${command}Rollout` as const,
    method: "POST",
    path: `/api/v1/rollouts/{id}/${command}` as const,
    summary: SUMMARIES[command],
    description: "Needs `If-Match` (the ETag from GET, or `*`). 202: recorded; the worker carries it out; follow `Location`.",
    tags: ["rollouts"],
    permission: command === "abort" ? "rollout.abort" : "rollout.control",
    environment: "resource",
    ifMatch: true,
    resource: "Rollout",
    params: z.object({ id: idParam }),
    body: z.strictObject({ reason: controlRolloutInput.shape.reason.meta({ description: "Why (kept in the audit trail); for abort." }) }),
    responses: { 202: { description: "Recorded; the worker carries it out.", schema: rolloutResourceSchema, headers: ["Location", "ETag"] } },
  });
}

/** POST /api/v1/rollouts/{id}/{command}: one documented operation per command, one handler (controlRollout). */
export const rolloutCommands = {
  pause: commandSpec("pause"),
  resume: commandSpec("resume"),
  promote: commandSpec("promote"),
  abort: commandSpec("abort"),
  retry: commandSpec("retry"),
} satisfies Record<RolloutCommand, OperationSpec>;

export const startRolloutOp = defineOperation({
  id: "startRollout",
  method: "POST",
  path: "/api/v1/rollouts",
  summary: "Start a rollout of a version (the worker carries it out)",
  description:
    "Service and environment by name. Without `strategy`, the Rollouts page's default (runbook 002's 5, 10, 25, 50, 100% steps with 20-second holds, as canary start). Send an `Idempotency-Key`: a retry with it answers the same rollout (200) instead of starting another. A policy block is 403 BLOCKED with `reasons[]` and `requires[]`; another rollout still live there is 409.",
  tags: ["rollouts"],
  permission: "rollout.start",
  environment: "body",
  body: z.strictObject({
    service: z.string().trim().min(1, "Name the service.").max(64),
    environment: z.string().trim().min(1, "Name the environment.").max(64),
    version: startRolloutInput.shape.version,
    strategy: startRolloutInput.shape.strategy.optional().meta({ description: 'e.g. {"kind":"canary","steps":[{"weight":10,"holdSeconds":300},{"weight":100,"holdSeconds":0}]}, blue_green or rolling.' }),
  }),
  responses: {
    200: { description: "This Idempotency-Key already started this rollout.", schema: rolloutResourceSchema, headers: ["Location", "ETag"] },
    202: { description: "Recorded; the worker rolls it out. Follow `Location` (or its `links.live`).", schema: rolloutResourceSchema, headers: ["Location", "ETag"] },
  },
});

const core = rolloutResourceSchema.shape;

export const rolloutLiveSchema = z
  .object({
    id: core.id,
    service: core.service,
    environment: core.environment,
    fromVersion: core.fromVersion,
    toVersion: core.toVersion,
    status: core.status,
    stepIndex: core.stepIndex,
    phase: core.phase,
    weight: core.weight,
    reason: core.reason,
    plan: core.plan,
    holdLeftMs: z.number().nullable().meta({ description: "Time left in the current hold (null outside a hold)." }),
    holdTotalMs: z.number().nullable(),
    log: z.array(z.object({ id: z.number().int(), rolloutId: z.number().int(), at: z.number(), level: z.string(), message: z.string() })).meta({ description: "Log lines after `after` (at most 500)." }),
    now: z.number().meta({ description: "The server's clock (epoch ms) the view was computed at." }),
    heldBy: z.string().nullable().meta({ description: "Why a hold whose time is up has not ended (canary analysis not passing yet)." }),
    gate: z
      .object({
        blocked: z.boolean().meta({ description: "The security gate still refuses the step now." }),
        reasons: z.array(z.string()),
        unblock: z.array(z.string()).meta({ description: "What would lift the block, in words." }),
      })
      .nullable()
      .meta({ description: "Paused by the security gate before its step ran (resume re-runs the step once allowed); null otherwise." }),
    verdict: z.enum(VERDICTS).nullable().meta({ description: "The latest canary analysis verdict; null before the first evaluation." }),
  })
  .meta({ id: "RolloutLive" });

const idParams = z.object({ id: idParam });

export const getRolloutLive = defineOperation({
  id: "getRolloutLive",
  method: "GET",
  path: "/api/v1/rollouts/{id}/live",
  summary: "A rollout's live status: step, weight, hold left, verdict, new log lines",
  description: "What the rollout page polls (once a second is fine). `after`: the last log line id seen, so only new lines come back. Derived from the clock: no ETag.",
  tags: ["rollouts"],
  permission: "rollout.read",
  resource: "Rollout",
  params: idParams,
  query: z.strictObject({ after: z.coerce.number().int().min(0).default(0) }),
  responses: { 200: { description: "The live view.", schema: rolloutLiveSchema } },
});

export const decisionSchema = z
  .object({
    id: z.number().int(),
    at: z.number(),
    kind: z.string(),
    verdict: z.string(),
    ruleId: z.string().nullable(),
    source: z.string().nullable(),
    metric: z.string().nullable(),
    canary: z.number().nullable(),
    baseline: z.number().nullable(),
    threshold: z.number().nullable(),
    windowSeconds: z.number(),
    forMs: z.number().nullable(),
    satisfiedAt: z.number(),
    sentence: z.string().meta({ description: "The decision in words, with its numbers." }),
    outcome: z.string(),
    evidence: z.record(z.string(), z.unknown()).nullable().meta({ description: "The sequential test behind it (count rules): e-value, alpha, counts." }),
  })
  .meta({ id: "AnalysisDecision" });

export const getRolloutDecisions = defineOperation({
  id: "getRolloutDecisions",
  method: "GET",
  path: "/api/v1/rollouts/{id}/decisions",
  summary: "A rollout's canary analysis decisions with their numbers, oldest first",
  tags: ["rollouts"],
  permission: "rollout.read",
  resource: "Rollout",
  params: idParams,
  responses: {
    200: {
      description: "The decisions.",
      schema: z.object({ rolloutId: z.number().int(), version: z.string(), previousVersion: z.string().nullable(), decisions: z.array(decisionSchema) }),
    },
  },
});

const perMetric = <T extends z.ZodType>(value: T) => z.record(z.enum(CHART_METRICS), value);
const variantValues = z.record(z.string(), z.number().nullable()).nullable();

export const rolloutMetricsSchema = z
  .object({
    rolloutId: z.number().int(),
    window: metricsQuerySchema.shape.window.unwrap(),
    bucketSeconds: z.number(),
    from: z.number(),
    to: z.number(),
    live: z.boolean(),
    series: perMetric(z.array(z.object({ t: z.number(), canary: z.number().nullable(), baseline: z.number().nullable() }))),
    seriesSource: z.enum(SERIES_SOURCES),
    thresholds: perMetric(z.array(z.object({ value: z.number(), label: z.string() }))),
    weight: z.array(z.object({ t: z.number(), weight: z.number() })),
    markers: z.array(z.object({ t: z.number(), kind: z.enum(["phase", "decision"]), label: z.string() })),
    analysis: z
      .object({
        verdict: z.enum(VERDICTS),
        reasons: z.array(z.string()),
        health: z.enum(HEALTH_CLASSES).nullable(),
        score: z.number().nullable(),
        evaluatedAt: z.number(),
        canary: variantValues,
        baseline: variantValues,
        evidence: z.array(z.looseObject({ ruleId: z.string() })),
      })
      .nullable(),
    config: z.object({
      provider: z.string(),
      intervalSeconds: z.number(),
      windowSeconds: z.number(),
      timeScale: z.number(),
      alpha: z.number(),
      requireSafety: z.boolean(),
      judgeMode: z.string(),
      enabled: z.boolean(),
      error: z.string().nullable(),
    }),
    decisions: z.array(decisionSchema),
    evidence: z.array(
      z.object({
        ruleId: z.string(),
        label: z.string(),
        action: z.string(),
        log10Bound: z.number().nullable(),
        points: z.array(z.object({ t: z.number(), rate: z.number(), upper: z.number(), threshold: z.number(), baseline: z.number().nullable(), log10Evidence: z.number() })),
      }),
    ),
    units: perMetric(z.string()),
    labels: perMetric(z.string()),
  })
  .meta({ id: "RolloutMetrics" });

export const getRolloutMetrics = defineOperation({
  id: "getRolloutMetrics",
  method: "GET",
  path: "/api/v1/rollouts/{id}/metrics",
  summary: "A rollout's chart data: canary vs baseline series, thresholds, weight, markers, the latest analysis",
  description: "`window`: 15m (default), 1h or all; at most 1,000 points per line.",
  tags: ["rollouts"],
  permission: "rollout.read",
  resource: "Rollout",
  params: idParams,
  query: z.strictObject({ window: metricsQuerySchema.shape.window }),
  responses: { 200: { description: "The chart data.", schema: rolloutMetricsSchema } },
});

export const ROLLOUT_OPERATIONS: OperationSpec[] = [listRollouts, getRollout, ...Object.values(rolloutCommands), startRolloutOp, getRolloutLive, getRolloutMetrics, getRolloutDecisions];
