import { z } from "zod";
import { HEALTH_CLASSES } from "@/lib/domain/health";
import { OVERRIDABLE_ACTIONS, SECURITY_MODES, THREAT_LEVELS } from "@/lib/domain/policy/gate";
import { defineOperation, idParam, type OperationSpec } from "../operation-spec";
import { rolloutResourceSchema } from "./common";
import { decisionSchema } from "./rollouts";

/**
 * Runbook 003's API (/api/deploy-safety/...): validations, health, probes, canary, rollback,
 * security gate. Each operation calls the same service as the pages; the descriptions say how the
 * runbook's words map onto Flightdeck's records.
 */

const TAG = ["deploy-safety"] as const;

const name = (what: string) => z.string().trim().min(1, `Name the ${what}.`).max(64);
const environmentName = name("environment").meta({ description: 'An environment by name, e.g. "staging".' });
const serviceName = name("service").meta({ description: "A service by name; may be left out while exactly one service exists." });
const versionText = z.string().trim().min(1).max(64);
/** Runbook 003's `releaseId` is "v1.2.3": a numeric release id or a release's version. */
const releaseRef = z
  .union([z.number().int().positive(), versionText])
  .meta({ description: 'A release: its numeric id, or its version ("1.2.3"; a leading "v" as in "v1.2.3" is accepted).' });
const healthClass = z.enum(HEALTH_CLASSES);

// Validations ----------------------------------------------------------------------------------

export const validationSchema = z
  .object({
    id: z.number().int(),
    release: z.object({ id: z.number().int(), version: z.string(), service: z.string() }),
    environment: z.string(),
    status: z.enum(["pending", "running", "passed", "failed"]),
    gates: z.array(z.object({ key: z.string(), label: z.string(), status: z.enum(["pending", "running", "passed", "failed"]), detail: z.string().nullable() })),
    startedAt: z.number(),
    finishedAt: z.number().nullable(),
    counts: z.object({ ok: z.boolean(), reason: z.string().nullable() }).meta({ description: "Whether this validation lets a deployment of the release into the environment go ahead now (passed, under 1 hour old, the release unchanged since)." }),
    links: z.object({ self: z.string(), run: z.string(), release: z.string() }),
  })
  .meta({ id: "Validation", description: "A release validation: runbook 003's prerequisites as gates, checked by the worker." });

const VALIDATION_MAPPING =
  "A validation is Flightdeck's release validation for one environment (the release page's Validations card): runbook 003's prerequisites as gates " +
  "(pre-flight checklist passed, health probes healthy, security mode enforce or monitor; production adds environment parity and the staging soak). " +
  "Starting one queues its gates for the worker at once, so `run` is only needed to run them again.";

export const startValidationOp = defineOperation({
  id: "startValidation",
  method: "POST",
  path: "/api/deploy-safety/validations/start",
  summary: "Start a release validation (runbook 003: Start Release Validation)",
  description: `${VALIDATION_MAPPING} 202: the gates are queued; follow \`Location\` until every gate is passed or one failed.`,
  tags: TAG,
  permission: "release.advance",
  environment: "body",
  body: z.strictObject({ releaseId: releaseRef, environment: environmentName }),
  responses: { 202: { description: "Started; the worker runs the gates.", schema: validationSchema, headers: ["Location"] } },
});

export const getValidationOp = defineOperation({
  id: "getValidation",
  method: "GET",
  path: "/api/deploy-safety/validations/{id}",
  summary: "A release validation and its gates (runbook 003: Check Gate Status)",
  tags: TAG,
  permission: "release.read",
  resource: "Validation",
  params: z.object({ id: idParam }),
  responses: { 200: { description: "The validation.", schema: validationSchema } },
});

export const runValidationOp = defineOperation({
  id: "runValidation",
  method: "POST",
  path: "/api/deploy-safety/validations/{id}/run",
  summary: "Run the release gates (runbook 003: Run Release Gates)",
  description:
    "While the validation is pending or running its gates are already queued: nothing new starts and the answer is this validation. " +
    "Once it passed or failed, the gates run again as a new validation of the same release and environment (the same service as the page's Validate button); " +
    "`Location` names it.",
  tags: TAG,
  permission: "release.advance",
  environment: "resource",
  resource: "Validation",
  params: z.object({ id: idParam }),
  responses: { 202: { description: "The gates are queued (or still running).", schema: validationSchema, headers: ["Location"] } },
});

// Health and probes ------------------------------------------------------------------------------

const probeFields = {
  id: z.number().int(),
  name: z.string(),
  environment: z.string(),
  url: z.string().nullable().meta({ description: "A fixed URL; null when the service's health path is probed through its driver." }),
  service: z.string().nullable(),
  health: healthClass,
  why: z.string(),
  checkedAt: z.number().nullable().meta({ description: "The latest result's time (epoch ms); null before the first check." }),
  links: z.object({ self: z.string() }),
};

export const probeSummarySchema = z.object(probeFields).meta({ id: "ProbeSummary" });

export const healthReportSchema = z
  .object({
    overallHealth: healthClass.meta({ description: "The worst class of the environments reported; an environment without probes is degraded, never healthy." }),
    environments: z.array(z.object({ name: z.string(), production: z.boolean(), overallHealth: healthClass, probes: z.array(probeSummarySchema) })),
  })
  .meta({ id: "HealthReport" });

export const getHealthOp = defineOperation({
  id: "getHealth",
  method: "GET",
  path: "/api/deploy-safety/health",
  summary: "System health from the health probes (runbook 003: Verify Health)",
  description:
    "Each probe's class comes from its latest results: two failures in a row unhealthy; one failure, a slow answer or no result yet degraded. " +
    "An environment's class is its worst probe's; `overallHealth` is the worst of the environments reported (all, or the one named by `environment`).",
  tags: TAG,
  permission: "dashboard.read",
  query: z.strictObject({ environment: environmentName.optional() }),
  responses: { 200: { description: "Health by environment.", schema: healthReportSchema } },
});

export const probeSchema = z
  .object({
    ...probeFields,
    expectStatus: z.number().int(),
    timeoutMs: z.number().int(),
    degradedMs: z.number().int(),
    history: z.array(z.object({ at: z.number(), ok: z.boolean(), status: z.number().int().nullable(), ms: z.number(), detail: z.string() })).meta({ description: "Newest first." }),
  })
  .meta({ id: "Probe" });

export const getProbeOp = defineOperation({
  id: "getProbe",
  method: "GET",
  path: "/api/deploy-safety/probes/{id}",
  summary: "A health probe with its history (runbook 003: Health Probes Failing)",
  tags: TAG,
  permission: "dashboard.read",
  resource: "Probe",
  params: z.object({ id: idParam }),
  query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: "How many results of the history (newest first)." }) }),
  responses: { 200: { description: "The probe.", schema: probeSchema } },
});

// Canary ----------------------------------------------------------------------------------------

const canaryConfig = z
  .strictObject({
    initialPercentage: z.number(),
    incrementPercentage: z.number(),
    incrementInterval: z.number().meta({ description: "Milliseconds between increments." }),
    maxPercentage: z.number(),
  })
  .meta({ description: 'Runbook 003\'s canary config, run as the strategy {"kind":"canary", ...config}: initial, +increment every interval, up to max.' });

export const startCanaryOp = defineOperation({
  id: "startCanary",
  method: "POST",
  path: "/api/deploy-safety/canary/start",
  summary: "Start a canary rollout (runbook 003: Canary Deployment Flow)",
  description:
    "Starts a rollout through the same service as the Rollouts page. The version is `version`, or the version of the release `releaseId` names " +
    "(the rollout is not a phase of that release: drive releases with /api/v1/releases). The strategy is runbook 003's `config`, " +
    "or `strategy` (Flightdeck's strategy JSON: canary steps, the generated canary, blue_green, rolling); without either, the release's strategy, else the Rollouts page's default canary. " +
    "`deploymentId` (else the Idempotency-Key header) is the rollout's idempotency key: a retried start returns the same rollout and never starts a second one. " +
    "The security gate decides first: a block is 403 with reasons[] and requires[] (e.g. production in enforce mode without a deploy.canary.start override). " +
    "202: recorded; the worker carries it out; follow `Location`.",
  tags: TAG,
  permission: "rollout.start",
  environment: "body",
  body: z
    .strictObject({
      environment: environmentName,
      service: serviceName.optional(),
      version: versionText.optional(),
      releaseId: releaseRef.optional(),
      deploymentId: z
        .string()
        .regex(/^[\x21-\x7e]{1,80}$/, "1 to 80 visible ASCII characters.")
        .optional()
        .meta({ description: "The pipeline's deployment id: the same one again returns the same rollout." }),
      config: canaryConfig.optional(),
      strategy: z.record(z.string(), z.unknown()).optional().meta({ description: 'Flightdeck\'s strategy, e.g. {"kind":"canary","steps":[{"weight":10,"holdSeconds":60},{"weight":100,"holdSeconds":0}]}.' }),
    })
    .superRefine((b, ctx) => {
      if ((b.version === undefined) === (b.releaseId === undefined)) ctx.addIssue({ code: "custom", path: ["version"], message: "Give either version or releaseId." });
      if (b.config && b.strategy) ctx.addIssue({ code: "custom", path: ["strategy"], message: "Give either config or strategy, not both." });
    }),
  responses: { 202: { description: "Recorded; the worker carries it out.", schema: rolloutResourceSchema, headers: ["Location", "ETag"] } },
});

export const canaryStatusSchema = z
  .object({
    environment: z.string(),
    status: z.enum([...HEALTH_CLASSES, "none"]),
    why: z.string(),
    rollout: rolloutResourceSchema.nullable(),
    analysis: z
      .object({
        verdict: z.enum(["pass", "fail", "inconclusive", "error"]),
        health: healthClass.nullable(),
        score: z.number().nullable(),
        reasons: z.array(z.string()),
        evaluatedAt: z.number(),
        canary: z.record(z.string(), z.number().nullable()).nullable(),
        baseline: z.record(z.string(), z.number().nullable()).nullable(),
      })
      .nullable()
      .meta({ description: "The canary analysis' latest evaluation of this rollout (null before the first one, or without analysis)." }),
    latestDecision: decisionSchema.nullable().meta({ description: "The newest analysis decision of this rollout (as GET /api/v1/rollouts/{id}/decisions lists them)." }),
  })
  .meta({ id: "CanaryStatus" });

export const getCanaryOp = defineOperation({
  id: "getCanary",
  method: "GET",
  path: "/api/deploy-safety/canary/{environment}",
  summary: "The live canary of an environment (runbook 003: Monitor Canary Health)",
  description:
    "`status` maps the canary analysis onto runbook 003's table: it is the analysis' health class, computed from that table " +
    "(error rate, p99 against the baseline, CPU, memory). An unhealthy canary is rolled back by the analysis (the rollout shows rolling_back); " +
    "degraded holds for a person. Before the analysis evaluated anything (or for a rollout it does not analyse: no baseline, analysis off) " +
    "nothing is known, which is never healthy: degraded, or unhealthy once the rollout failed or rolls back. `none`: no rollout is live there. " +
    "With several services live in the environment, name one with `service`.",
  tags: TAG,
  permission: "rollout.read",
  params: z.object({ environment: environmentName }),
  query: z.strictObject({ service: serviceName.optional() }),
  responses: { 200: { description: "The canary's status.", schema: canaryStatusSchema } },
});

export const promoteCanaryOp = defineOperation({
  id: "promoteCanary",
  method: "POST",
  path: "/api/deploy-safety/canary/promote",
  summary: "Promote the live canary now (runbook 003: Manual Promotion)",
  description:
    "Promotes the live rollout of the environment (of `service`, when several are live): the remaining holds are skipped and it goes to 100%, " +
    "the same as POST /api/v1/rollouts/{id}/promote. The gate decides (deploy.promote). 202: follow `Location`.",
  tags: TAG,
  permission: "rollout.control",
  environment: "body",
  body: z.strictObject({ environment: environmentName, service: serviceName.optional() }),
  responses: { 202: { description: "Recorded; the worker carries it out.", schema: rolloutResourceSchema, headers: ["Location", "ETag"] } },
});

// Rollback --------------------------------------------------------------------------------------

const rollbackKind = z.enum(["abort_live", "redeploy"]).meta({ description: "abort_live: a live rollout is aborted (its canary removed); redeploy: the earlier version is deployed at once." });

export const rollbackPlanSchema = z
  .discriminatedUnion("ok", [
    z.object({
      ok: z.literal(true),
      environment: z.string(),
      service: z.string(),
      kind: rollbackKind,
      from: z.string().nullable(),
      to: z.string().nullable(),
      source: z.string().meta({ description: "Where the target version comes from: the live rollout, LAST_GOOD_COMMIT, or the last known good before the current version." }),
      steps: z.array(z.string()),
    }),
    z.object({ ok: z.literal(false), environment: z.string(), service: z.string(), reason: z.string() }),
  ])
  .meta({ id: "RollbackPlan" });

const serviceAndEnvironmentQuery = z.strictObject({ environment: environmentName, service: serviceName.optional() });

export const planRollbackOp = defineOperation({
  id: "planRollback",
  method: "GET",
  path: "/api/deploy-safety/rollback/plan",
  summary: "The dry-run rollback plan (read only)",
  description: "What a rollback would do now (the Roll back page's plan): from, to, the steps and where the target came from. Changes nothing.",
  tags: TAG,
  permission: "rollout.read",
  query: serviceAndEnvironmentQuery,
  responses: { 200: { description: "The plan, or why there is none (ok false).", schema: rollbackPlanSchema } },
});

export const rollbackRequestSchema = z
  .object({
    id: z.number().int(),
    environment: z.string(),
    service: z.string(),
    fromVersion: z.string().nullable(),
    toVersion: z.string().nullable().meta({ description: "Null when aborting a first deployment leaves no earlier version." }),
    source: z.string(),
    kind: rollbackKind,
    reason: z.string(),
    status: z.enum(["created", "executed"]),
    createdBy: z.string(),
    createdAt: z.number(),
    executedAt: z.number().nullable(),
    rolloutId: z.number().int().nullable(),
    links: z.object({ self: z.string(), execute: z.string(), rollout: z.string().nullable() }),
  })
  .meta({ id: "RollbackRequest" });

export const createRollbackOp = defineOperation({
  id: "createRollback",
  method: "POST",
  path: "/api/deploy-safety/rollback/create",
  summary: "Create a rollback request (runbook 003: Emergency Rollback)",
  description:
    "Records the rollback plan as it is now with the reason; nothing moves until it is executed. `fromVersion` / `toVersion` are checked against the plan " +
    '(Flightdeck decides the target from its records): another one is 409 naming the plan. A leading "v" ("v1.2.2") is accepted. 201: `Location` names the request.',
  tags: TAG,
  permission: "rollout.abort",
  environment: "body",
  body: z.strictObject({
    environment: environmentName,
    service: serviceName.optional(),
    fromVersion: versionText.optional(),
    toVersion: versionText.optional(),
    reason: z.string().trim().min(3, "Say why you roll back (it goes into the audit trail).").max(500),
  }),
  responses: { 201: { description: "Created.", schema: rollbackRequestSchema, headers: ["Location"] } },
});

export const getRollbackOp = defineOperation({
  id: "getRollback",
  method: "GET",
  path: "/api/deploy-safety/rollback/{id}",
  summary: "A rollback request",
  tags: TAG,
  permission: "rollout.read",
  resource: "Rollback request",
  params: z.object({ id: idParam }),
  responses: { 200: { description: "The rollback request.", schema: rollbackRequestSchema } },
});

export const executeRollbackOp = defineOperation({
  id: "executeRollback",
  method: "POST",
  path: "/api/deploy-safety/rollback/{id}/execute",
  summary: "Execute a rollback request",
  description:
    "Runs the rollback through the same service as the Roll back page, only while the plan still leads to the request's `toVersion` (else 409). " +
    "The gate decides (deploy.rollback): production needs an override, lockdown blocks (403 with reasons[] and requires[]); the request stays unexecuted then. " +
    "Executing a request twice rolls back once: the second answer is the same rollout. 202: follow `Location` (the rollout).",
  tags: TAG,
  permission: "rollout.abort",
  environment: "resource",
  resource: "Rollback request",
  params: z.object({ id: idParam }),
  responses: { 202: { description: "Recorded; the worker carries it out.", schema: rolloutResourceSchema, headers: ["Location", "ETag"] } },
});

// Security gate --------------------------------------------------------------------------------

export const securityStatusSchema = z
  .object({
    mode: z.enum(SECURITY_MODES),
    threatLevel: z.enum(THREAT_LEVELS),
    lockdownReason: z.string().nullable(),
    activeOverrides: z.number().int(),
    changedAt: z.number().nullable(),
    freezes: z
      .array(z.object({ id: z.number().int(), name: z.string(), startsAt: z.number(), endsAt: z.number() }))
      .meta({ description: "Deploy freezes in force now (production deploys are blocked until they end), as the banner on every page shows them." }),
  })
  .meta({ id: "SecurityGateStatus" });

export const getSecurityStatusOp = defineOperation({
  id: "getSecurityGateStatus",
  method: "GET",
  path: "/api/deploy-safety/security-gate/status",
  summary: "Security mode, threat level, lockdown reason, active overrides, freezes in force",
  tags: TAG,
  permission: "security.read",
  responses: { 200: { description: "The gate.", schema: securityStatusSchema } },
});

export const setSecurityModeOp = defineOperation({
  id: "setSecurityGateMode",
  method: "POST",
  path: "/api/deploy-safety/security-gate/mode",
  summary: "Set the security mode (and threat level)",
  description: "Security team only. Entering lockdown needs a reason; threat level critical locks down by itself; only the Security team leaves lockdown. A refused change is 409 with the reason.",
  tags: TAG,
  permission: "security.manage",
  body: z.strictObject({
    mode: z.enum(SECURITY_MODES),
    reason: z.string().trim().max(500).optional().meta({ description: "Why (required to enter lockdown)." }),
    threatLevel: z.enum(THREAT_LEVELS).optional(),
  }),
  responses: { 200: { description: "The gate as it is now.", schema: securityStatusSchema } },
});

export const overrideSchema = z
  .object({
    id: z.number().int(),
    action: z.string(),
    environment: z.string(),
    reason: z.string(),
    approver: z.string().meta({ description: "Who created (and so approved) it: their email." }),
    ttlMinutes: z.number().int(),
    createdAt: z.number(),
    expiresAt: z.number(),
    status: z.enum(["active", "expired", "revoked"]),
    revokedAt: z.number().nullable(),
    links: z.object({ self: z.string() }),
  })
  .meta({ id: "Override" });

export const createOverrideOp = defineOperation({
  id: "createOverride",
  method: "POST",
  path: "/api/deploy-safety/security-gate/override",
  summary: "Create a time-limited override",
  description:
    "Who may create which override is runbook 003's table: Security all actions; engineering leads deploy actions; on-call deploy.rollback in production. " +
    "The approver is the caller (the person whose roles allow it): `approver`, when given, must name them (email, or the part before @); the answer's `approver` is their email. " +
    "TTL 1 to 1440 minutes; the reason at least 10 characters.",
  tags: TAG,
  permission: "override.create",
  environment: "body",
  body: z.strictObject({
    action: z.enum(OVERRIDABLE_ACTIONS),
    environment: environmentName,
    reason: z.string().max(2000),
    approver: z.string().trim().max(200).optional(),
    ttlMinutes: z.number(),
  }),
  responses: { 201: { description: "Created.", schema: overrideSchema, headers: ["Location"] } },
});

export const listOverridesOp = defineOperation({
  id: "listOverrides",
  method: "GET",
  path: "/api/deploy-safety/security-gate/overrides",
  summary: "Active overrides, the soonest to expire first",
  tags: TAG,
  permission: "security.read",
  responses: { 200: { description: "Active overrides.", schema: z.object({ items: z.array(overrideSchema) }) } },
});

export const getOverrideOp = defineOperation({
  id: "getOverride",
  method: "GET",
  path: "/api/deploy-safety/security-gate/override/{id}",
  summary: "An override (any state)",
  tags: TAG,
  permission: "security.read",
  resource: "Override",
  params: z.object({ id: idParam }),
  responses: { 200: { description: "The override.", schema: overrideSchema } },
});

export const revokeOverrideOp = defineOperation({
  id: "revokeOverride",
  method: "DELETE",
  path: "/api/deploy-safety/security-gate/override/{id}",
  summary: "Revoke an override now",
  description: "Security may revoke any; others only their own. An expired or already revoked one is 409.",
  tags: TAG,
  permission: "override.revoke",
  environment: "resource",
  resource: "Override",
  params: z.object({ id: idParam }),
  responses: { 200: { description: "The revoked override.", schema: overrideSchema } },
});

export const DEPLOY_SAFETY_OPERATIONS: OperationSpec[] = [
  startValidationOp,
  getValidationOp,
  runValidationOp,
  getHealthOp,
  getProbeOp,
  startCanaryOp,
  getCanaryOp,
  promoteCanaryOp,
  planRollbackOp,
  createRollbackOp,
  getRollbackOp,
  executeRollbackOp,
  getSecurityStatusOp,
  setSecurityModeOp,
  createOverrideOp,
  listOverridesOp,
  getOverrideOp,
  revokeOverrideOp,
];
