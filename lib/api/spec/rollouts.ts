import { z } from "zod";
import { controlRolloutInput, type ROLLOUT_COMMANDS } from "@/lib/domain/rollout/inputs";
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

export const ROLLOUT_OPERATIONS: OperationSpec[] = [listRollouts, getRollout, ...Object.values(rolloutCommands)];
