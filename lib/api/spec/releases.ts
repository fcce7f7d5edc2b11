import { z } from "zod";
import { createReleaseInput, releaseCommandInput } from "@/lib/domain/release/inputs";
import { RELEASE_COMMANDS, RELEASE_ENDS, RELEASE_PHASES } from "@/lib/domain/release/lifecycle";
import { ROLLOUT_STATUSES } from "@/lib/domain/rollout/machine";
import { defineOperation, idParam, type OperationSpec } from "../operation-spec";
import { pageQuerySchema } from "./common";
import { approvalSchema } from "./records";

/** /api/v1/releases: create, list, get, advance (the release page's buttons, through driveRelease). */

export const RELEASE_STATUS_VALUES = ["draft", ...RELEASE_PHASES, ...RELEASE_ENDS] as const;

export const releaseSchema = z
  .object({
    id: z.number().int(),
    service: z.string(),
    version: z.string(),
    commitSha: z.string(),
    phase: z.enum(RELEASE_STATUS_VALUES),
    hotfix: z.boolean(),
    sev1: z.boolean(),
    changeLog: z.string(),
    rollbackPlan: z.string(),
    strategy: z.record(z.string(), z.unknown()),
    migrations: z.array(z.object({ id: z.string(), kind: z.enum(["expand", "contract"]), description: z.string() })),
    deployments: z.array(z.object({ service: z.string(), timeoutMinutes: z.number().int() })),
    soakMinutes: z.number().int(),
    monitoringMinutes: z.number().int(),
    phaseEnteredAt: z.number(),
    postmortemDueAt: z.number().nullable(),
    mergeBackReminder: z.string().nullable(),
    running: z.record(z.string(), z.string().nullable()).meta({ description: "The version the release's service runs now in staging and in production (null: none yet)." }),
    approvals: z.object({
      satisfied: z.boolean().meta({ description: "The production approvals it needs (D1, D2) are there." }),
      missing: z.array(z.string()),
      items: z.array(approvalSchema),
    }),
    rollouts: z.array(
      z.object({ id: z.number().int(), service: z.string(), environment: z.string(), status: z.enum(ROLLOUT_STATUSES), weight: z.number(), toVersion: z.string(), link: z.string() }),
    ),
    createdBy: z.string().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    rowVersion: z.number().int().meta({ description: 'The release row\'s version; the ETag is "v<rowVersion>" (approvals and rollouts are read now).' }),
    links: z.object({ self: z.string(), advance: z.string(), page: z.string() }),
  })
  .meta({ id: "Release" });

const serviceName = z.string().trim().min(1, "Name the service.").max(64);
const s = createReleaseInput.shape;

export const createReleaseOp = defineOperation({
  id: "createRelease",
  method: "POST",
  path: "/api/v1/releases",
  summary: "Create a release (it starts in pre-flight with its checklist)",
  description: "Services by name. Migrations are picked by id from the service's catalog; a release never carries a command.",
  tags: ["releases"],
  permission: "release.create",
  body: z.strictObject({
    service: serviceName.meta({ description: "The service released, by name." }),
    version: s.version,
    commitSha: s.commitSha,
    changeLog: s.changeLog,
    rollbackPlan: s.rollbackPlan,
    migrations: s.migrations,
    strategy: s.strategy,
    hotfix: z.boolean().default(false),
    sev1: z.boolean().default(false).meta({ description: "A hotfix for a SEV-1 incident (the only kind that may pass a freeze)." }),
    soakMinutes: s.soakMinutes,
    alsoDeploy: z.array(serviceName).max(10).default([]).meta({ description: "More services rolled out together with this one, by name." }),
    timeoutMinutes: s.timeoutMinutes,
    monitoringMinutes: s.monitoringMinutes,
  }),
  responses: { 201: { description: "Created.", schema: releaseSchema, headers: ["Location", "ETag"] } },
});

export const listReleasesOp = defineOperation({
  id: "listReleases",
  method: "GET",
  path: "/api/v1/releases",
  summary: "List releases, newest first",
  description: 'Filter by service (name) and phase; the next page is in the `Link: <...>; rel="next"` header.',
  tags: ["releases"],
  permission: "release.read",
  query: z.strictObject({
    service: z.string().trim().min(1).max(64).optional(),
    phase: z.enum(RELEASE_STATUS_VALUES).optional(),
    ...pageQuerySchema,
  }),
  responses: { 200: { description: "A page of releases.", schema: z.object({ items: z.array(releaseSchema) }), headers: ["Link"] } },
});

export const getReleaseOp = defineOperation({
  id: "getRelease",
  method: "GET",
  path: "/api/v1/releases/{id}",
  summary: "A release: phase, versions, approvals, rollouts",
  description: "`ETag` is the release row's version: send it back as `If-Match` with advance.",
  tags: ["releases"],
  permission: "release.read",
  resource: "Release",
  params: z.object({ id: idParam }),
  responses: { 200: { description: "The release.", schema: releaseSchema, headers: ["ETag"] } },
});

export const advanceReleaseOp = defineOperation({
  id: "advanceRelease",
  method: "POST",
  path: "/api/v1/releases/{id}/advance",
  summary: "Drive a release: deploy_staging, request_approval, start_production, complete, abort",
  description:
    "The release page's buttons. Needs `If-Match` (the ETag from GET, or `*`). `deploy_staging` and `start_production` answer 202: rollouts (or the expand migrations first) were recorded and the worker carries them out; follow `Location`. The other commands change the phase at once (200). A policy block (security gate, freeze, missing approvals) is 403 BLOCKED with `reasons[]` and `requires[]`.",
  tags: ["releases"],
  permission: "release.advance",
  environment: "resource",
  ifMatch: true,
  resource: "Release",
  params: z.object({ id: idParam }),
  body: z.strictObject({
    command: z.enum(RELEASE_COMMANDS),
    reason: releaseCommandInput.shape.reason.meta({ description: "Why (audited): to end the staging soak early, or for an abort." }),
  }),
  responses: {
    200: { description: "The phase changed.", schema: releaseSchema, headers: ["Location", "ETag"] },
    202: { description: "Recorded; the worker rolls it out.", schema: releaseSchema, headers: ["Location", "ETag"] },
  },
});

export const RELEASE_OPERATIONS: OperationSpec[] = [createReleaseOp, listReleasesOp, getReleaseOp, advanceReleaseOp];
