import { z } from "zod";
import { pageQuery } from "@/lib/api/pagination";
import { ROLLOUT_STATUSES } from "@/lib/domain/rollout/machine";

/** Schemas shared by several operations' documented answers. */

export const planStepSchema = z.union([
  z.object({ kind: z.literal("deploy") }),
  z.object({ kind: z.literal("shift"), weight: z.number(), holdMs: z.number() }),
  z.object({ kind: z.literal("promote") }),
]);

export const rolloutResourceSchema = z
  .object({
    id: z.number().int(),
    service: z.string(),
    environment: z.string(),
    fromVersion: z.string().nullable(),
    toVersion: z.string(),
    status: z.enum(ROLLOUT_STATUSES),
    stepIndex: z.number().int(),
    phase: z.enum(["start", "hold"]),
    weight: z.number(),
    reason: z.string().nullable(),
    plan: z.array(planStepSchema),
    holdEndsAt: z.number().nullable(),
    holdRemainingMs: z.number().nullable(),
    releaseId: z.number().int().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    finishedAt: z.number().nullable(),
    version: z.number().int().meta({ description: 'The row version; the ETag is "v<version>".' }),
    links: z.object({ self: z.string(), live: z.string(), metrics: z.string(), decisions: z.string(), deployLog: z.string() }),
  })
  .meta({ id: "Rollout" });

/** `limit` and `cursor` of every paged list (lib/api/pagination.ts). */
export const pageQuerySchema = pageQuery;
