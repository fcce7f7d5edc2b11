import { z } from "zod";
import { InvalidError } from "@/lib/errors";

/** What the people editing a flag are told (also asserted by the tests). */
export const FLAG_MESSAGES = {
  key: "Use 2-100 characters: lowercase letters, digits, dots, dashes and underscores, starting with a letter.",
  percentage: "The rollout percentage must be a whole number from 0 to 100.",
  binding: "Pick both a service and an environment, or neither: a flag follows one service's rollouts in one environment.",
  keyTaken: (key: string) => `A flag named "${key}" already exists.`,
} as const;

/** flagd's flag definition schema (https://flagd.dev/reference/flag-definitions/). */
export const FLAGD_SCHEMA_URL = "https://flagd.dev/schema/v0/flags.json";

const id = z.coerce.number().int().positive();
/** An empty form select means "no binding". */
const optionalId = z.preprocess((v) => (v === "" || v === null ? undefined : v), id.optional());
const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
  .optional()
  .transform((v) => v === true || v === "on" || v === "true");

export const flagKeySchema = z
  .string({ error: FLAG_MESSAGES.key })
  .trim()
  .regex(/^[a-z][a-z0-9_.-]{1,99}$/, FLAG_MESSAGES.key);

/** 0-100 whole percent, from a number or a form's text; blank, null or true is not a percentage (never 0 or 1). */
export const rolloutPercentageSchema = z.preprocess(
  (v) => (typeof v === "number" || (typeof v === "string" && v.trim() !== "") ? v : undefined),
  z.coerce.number({ error: FLAG_MESSAGES.percentage }).int(FLAG_MESSAGES.percentage).min(0, FLAG_MESSAGES.percentage).max(100, FLAG_MESSAGES.percentage),
);

const flagFields = z.object({
  description: z.string().trim().max(500).default(""),
  enabled: checkbox,
  rolloutPercentage: rolloutPercentageSchema,
  serviceId: optionalId,
  environmentId: optionalId,
});

const bothOrNeither = (v: { serviceId?: number; environmentId?: number }) => (v.serviceId === undefined) === (v.environmentId === undefined);
const bindingRule = { message: FLAG_MESSAGES.binding, path: ["environmentId"] };

export const createFlagInput = flagFields.extend({ key: flagKeySchema }).refine(bothOrNeither, bindingRule);
/** The key is the flag's identity for every evaluating application: it is not editable. */
export const updateFlagInput = flagFields.extend({ id, rowVersion: id }).refine(bothOrNeither, bindingRule);
/** The kill switch takes no version: in an emergency "off" wins over whatever changed meanwhile. */
export const disableFlagInput = z.object({ id });

export type CreateFlagInput = z.output<typeof createFlagInput>;
export type UpdateFlagInput = z.output<typeof updateFlagInput>;

/** What the served definition needs of a flag. */
export interface FlagState {
  key: string;
  enabled: boolean;
  rolloutPercentage: number;
}

export interface FlagdFlag {
  state: "ENABLED" | "DISABLED";
  variants: { on: true; off: false };
  defaultVariant: "off";
  targeting: { fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: "targetingKey" }] }, ["on", number], ["off", number]] };
}

export interface FlagdDefinition {
  $schema: typeof FLAGD_SCHEMA_URL;
  flags: Record<string, FlagdFlag>;
}

/**
 * One flag in flagd's format: `fractional` buckets the targeting key (salted with the flag key, so
 * two flags at 25% do not pick the same users) into "on" for `rolloutPercentage`% of keys. A disabled
 * flag keeps its targeting: flagd answers the caller's default with reason DISABLED.
 */
export function flagdFlag(f: FlagState): FlagdFlag {
  return {
    state: f.enabled ? "ENABLED" : "DISABLED",
    variants: { on: true, off: false },
    defaultVariant: "off",
    targeting: { fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: "targetingKey" }] }, ["on", f.rolloutPercentage], ["off", 100 - f.rolloutPercentage]] },
  };
}

/** The whole flag set as one flagd definition (what GET /api/flags serves). */
export function flagdDefinition(flags: readonly FlagState[]): FlagdDefinition {
  return { $schema: FLAGD_SCHEMA_URL, flags: Object.fromEntries(flags.map((f) => [f.key, flagdFlag(f)])) };
}

/**
 * Parses a flag input or throws INVALID whose message says exactly what is wrong (the services are
 * called by actions, the REST API and tests alike; nothing is written before this passes).
 */
export function parseFlagInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { fieldErrors } = InvalidError.fromIssues(parsed.error.issues);
  throw new InvalidError([...new Set(parsed.error.issues.map((i) => i.message))].join(" "), fieldErrors);
}
