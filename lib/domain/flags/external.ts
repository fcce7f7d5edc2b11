import { z } from "zod";
import { webhookUrlSchema } from "../notifications/channels";
import { jsonTemplateError, renderJsonTemplate } from "../hooks/templates";
import { bodyTemplateField } from "@/lib/domain/json-text";

/**
 * External-flag hook (runbook 002's `curl -X POST .../feature-flags/release_20250814`): for teams
 * with their own flag service, every change of a flag's state is sent to an admin-defined endpoint
 * with a JSON body template. Delivery follows the chat notifications' policy (retry on network
 * errors, 5xx and 429 with backoff; never on another 4xx): lib/domain/notifications/delivery.ts.
 */
export const FLAG_HOOK_VARIABLES = ["flag", "percentage", "enabled", "environment"] as const;

/** Runbook 002's body. */
export const DEFAULT_FLAG_BODY = '{"enabled": {{enabled}}, "rollout_percentage": {{percentage}}, "environment": "{{environment}}"}';

const SAMPLE = { flag: "release_20250814", percentage: "25", enabled: "true", environment: "production" };

export const flagBodyError = (body: string): string | null => jsonTemplateError(body, FLAG_HOOK_VARIABLES, SAMPLE);

/** The variables of one change: the flag's key, its percentage and state, its bound environment ("" when unbound). */
export function flagHookVariables(f: { key: string; enabled: boolean; rolloutPercentage: number }, environment: string | null): Record<(typeof FLAG_HOOK_VARIABLES)[number], string> {
  return { flag: f.key, percentage: String(f.rolloutPercentage), enabled: String(f.enabled), environment: environment ?? "" };
}

export const flagHookBody = (template: string | null, variables: Readonly<Record<string, string>>): string => renderJsonTemplate(template ?? DEFAULT_FLAG_BODY, variables);

const id = z.coerce.number().int().positive();
const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
  .optional()
  .transform((v) => v === true || v === "on" || v === "true");

/**
 * The endpoint form (admins only): `url` left empty keeps the stored one (never shown back),
 * `remove` clears it; an empty body means runbook 002's.
 */
export const flagEndpointInput = z
  .object({
    id,
    rowVersion: id,
    url: z.union([z.literal(""), webhookUrlSchema]).nullish().transform((v) => v || null),
    body: bodyTemplateField(flagBodyError),
    remove: checkbox,
  })
  .refine((v) => !(v.remove && v.url), { path: ["url"], message: "Either enter a new URL or remove the endpoint, not both." });
export type FlagEndpointInput = z.output<typeof flagEndpointInput>;

/** The worker job that makes one attempt to send a flag's state (lib/jobs/handlers/flags.ts). */
export const FLAG_EXTERNAL_SYNC_JOB = "flag.external_sync";
/** The state sent is the flag's at `rowVersion`: a later change has its own job. */
export const flagExternalSyncPayload = z.object({
  flagId: z.number().int().positive(),
  rowVersion: z.number().int().positive(),
  enabled: z.boolean(),
  percentage: z.number().int().min(0).max(100),
  attempt: z.number().int().positive(),
});
/** One job per flag row version and attempt: a repeated enqueue of the same change is the same job. */
export const flagExternalSyncKey = (flagId: number, rowVersion: number, attempt: number) => `flag:${flagId}:v${rowVersion}:external:${attempt}`;
