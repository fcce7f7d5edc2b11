import { z } from "zod";
import { InvalidError } from "@/lib/errors";
import { webhookUrlSchema } from "../notifications/channels";
import type { PlanStep } from "../rollout/strategy";
import { jsonTemplateError, renderJsonTemplate } from "./templates";
import { bodyTemplateField } from "@/lib/domain/json-text";

/**
 * Step hooks (issue 12 item 6, Flagger's pre-rollout / rollout / confirm-promotion webhooks): an
 * admin-defined HTTP call per service that must answer 2xx before the rollout goes on.
 */
export const HOOK_STAGES = ["pre_rollout", "per_step", "pre_promotion"] as const;
export type HookStage = (typeof HOOK_STAGES)[number];
export const HOOK_STAGE_LABELS: Record<HookStage, string> = {
  pre_rollout: "Pre-rollout (before the first step)",
  per_step: "Each traffic step (after the weight is set, before the hold)",
  pre_promotion: "Pre-promotion (before the final step)",
};

export const HOOK_METHODS = ["POST", "PUT", "PATCH", "GET"] as const;
export type HookMethod = (typeof HOOK_METHODS)[number];

export const HOOK_VARIABLES = ["service", "environment", "version", "fromVersion", "weight", "step", "rolloutId"] as const;
export type HookVariables = Record<(typeof HOOK_VARIABLES)[number], string>;

/** What the body looks like without a template: every variable, numbers as numbers. */
export const DEFAULT_HOOK_BODY =
  '{"service": "{{service}}", "environment": "{{environment}}", "version": "{{version}}", "fromVersion": "{{fromVersion}}", "weight": {{weight}}, "step": {{step}}, "rolloutId": {{rolloutId}}}';

const SAMPLE: HookVariables = { service: "sample-api", environment: "production", version: "1.2.0", fromVersion: "1.1.0", weight: "25", step: "2", rolloutId: "7" };

export const HOOK_LIMITS = { timeoutSeconds: { min: 1, max: 300, default: 10 }, retries: { max: 5 }, retryDelaySeconds: { max: 300, default: 5 }, answerChars: 500 } as const;

export const HOOK_MESSAGES = {
  name: "Name the hook, e.g. load-test (at most 80 characters).",
  stage: "Choose when the hook runs: pre-rollout, each traffic step or pre-promotion.",
  method: "Choose POST, PUT, PATCH or GET.",
  timeout: `The timeout is a whole number of seconds from ${HOOK_LIMITS.timeoutSeconds.min} to ${HOOK_LIMITS.timeoutSeconds.max} (5 minutes).`,
  retries: `Retries are a whole number from 0 to ${HOOK_LIMITS.retries.max}.`,
  retryDelay: `The delay between attempts is a whole number of seconds from 0 to ${HOOK_LIMITS.retryDelaySeconds.max}.`,
  bodyWithGet: "A GET request has no body: leave the body empty or choose POST.",
  nameTaken: (name: string) => `This service already has a hook named "${name}".`,
} as const;

/** Why a body template cannot be used, or null (unknown variables are named with the allowed ones). */
export const hookBodyError = (body: string): string | null => jsonTemplateError(body, HOOK_VARIABLES, SAMPLE);

const id = z.coerce.number().int().positive();
const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
  .optional()
  .transform((v) => v === true || v === "on" || v === "true");
/** A whole number from a form's text or a number; blank takes the default. */
const wholeNumber = (min: number, max: number, fallback: number, message: string) =>
  z.preprocess((v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? fallback : v), z.coerce.number({ error: message }).int(message).min(min, message).max(max, message));

const hookFields = z.object({
  name: z.string({ error: HOOK_MESSAGES.name }).trim().min(1, HOOK_MESSAGES.name).max(80, HOOK_MESSAGES.name),
  stage: z.enum(HOOK_STAGES, { error: HOOK_MESSAGES.stage }),
  url: webhookUrlSchema,
  method: z.preprocess((v) => (v === undefined || v === "" ? "POST" : v), z.enum(HOOK_METHODS, { error: HOOK_MESSAGES.method })),
  body: bodyTemplateField(hookBodyError),
  timeoutSeconds: wholeNumber(HOOK_LIMITS.timeoutSeconds.min, HOOK_LIMITS.timeoutSeconds.max, HOOK_LIMITS.timeoutSeconds.default, HOOK_MESSAGES.timeout),
  retries: wholeNumber(0, HOOK_LIMITS.retries.max, 0, HOOK_MESSAGES.retries),
  retryDelaySeconds: wholeNumber(0, HOOK_LIMITS.retryDelaySeconds.max, HOOK_LIMITS.retryDelaySeconds.default, HOOK_MESSAGES.retryDelay),
});

const noBodyWithGet = (v: { method: HookMethod; body: string | null }) => !(v.method === "GET" && v.body);
const bodyRule = { message: HOOK_MESSAGES.bodyWithGet, path: ["body"] };

export const createHookInput = hookFields.extend({ serviceId: id }).refine(noBodyWithGet, bodyRule);
/** `url` left empty keeps the stored one (the form never shows the secret back). */
export const updateHookInput = hookFields
  .extend({ id, rowVersion: id, url: z.union([z.literal(""), webhookUrlSchema]).nullish().transform((v) => v || null), enabled: checkbox })
  .refine(noBodyWithGet, bodyRule);
export const deleteHookInput = z.object({ id });

export type CreateHookInput = z.output<typeof createHookInput>;
export type UpdateHookInput = z.output<typeof updateHookInput>;

/**
 * The hooks' stage at a plan step: pre-rollout before the first step's work, per-step once a shift's
 * weight is set (before its hold), pre-promotion before the promote step. Null: no hook here.
 */
export function stageAt(plan: readonly PlanStep[], stepIndex: number, moment: "before" | "after"): HookStage | null {
  const step = plan[stepIndex];
  if (!step) return null;
  if (moment === "before") {
    if (stepIndex === 0) return "pre_rollout";
    return step.kind === "promote" ? "pre_promotion" : null;
  }
  return step.kind === "shift" ? "per_step" : null;
}

/** The variables of a hook call at a step (step numbers count from 1 as the rollout page shows them). */
export function hookVariables(v: { service: string; environment: string; version: string; fromVersion: string | null; weight: number; stepIndex: number; rolloutId: number }): HookVariables {
  return { service: v.service, environment: v.environment, version: v.version, fromVersion: v.fromVersion ?? "", weight: String(v.weight), step: String(v.stepIndex + 1), rolloutId: String(v.rolloutId) };
}

/** The request body of a hook call, or undefined for GET. */
export function hookBody(hook: { method: HookMethod; bodyTemplate: string | null }, variables: HookVariables): string | undefined {
  if (hook.method === "GET") return undefined;
  return renderJsonTemplate(hook.bodyTemplate ?? DEFAULT_HOOK_BODY, variables);
}

/** What one call got: an HTTP answer (with the start of its body) or none (network error, timeout). */
export type HookAttempt = { kind: "response"; status: number; answer: string } | { kind: "network"; error: string };

export const hookPassed = (a: HookAttempt) => a.kind === "response" && a.status >= 200 && a.status < 300;

/** "HTTP 503: overloaded" / "no answer (timed out after 1000 ms)", for the log, the audit trail and the page. */
export function describeAttempt(a: HookAttempt): string {
  if (a.kind === "network") return `no answer (${a.error})`;
  const answer = a.answer.trim().replace(/\s+/g, " ");
  return answer ? `HTTP ${a.status}: ${answer}` : `HTTP ${a.status}`;
}

/** The first `HOOK_LIMITS.answerChars` characters of an answer (what the log and the audit keep). */
export const clipAnswer = (text: string): string => (text.length > HOOK_LIMITS.answerChars ? `${text.slice(0, HOOK_LIMITS.answerChars)}…` : text);

export const STAGE_WORDS: Record<HookStage, string> = { pre_rollout: "pre-rollout", per_step: "per-step", pre_promotion: "pre-promotion" };

/** Why the step holds (the rollout's reason, shown on its page with the Retry action). */
export function holdReason(hook: { name: string; stage: HookStage }, last: HookAttempt, attempts: number): string {
  return `Step hook "${hook.name}" (${STAGE_WORDS[hook.stage]}) failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${describeAttempt(last)}`;
}

/** Parses a hook input or throws INVALID naming every problem, with field errors (nothing is written before this passes). */
export function parseHookInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { fieldErrors } = InvalidError.fromIssues(parsed.error.issues);
  throw new InvalidError([...new Set(parsed.error.issues.map((i) => i.message))].join(" "), fieldErrors);
}
