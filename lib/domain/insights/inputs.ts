import { z } from "zod";

const DAY = 86_400_000;
/** The longest range the Insights page computes (the trend is weekly beyond five weeks). */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;

const day = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date like 2026-11-30.`)
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), `${label} is not a calendar date.`)
    .optional()
    .or(z.literal("").transform(() => undefined));

const optionalId = (label: string) =>
  z.preprocess((v) => (v === "" || v === null || v === "all" ? undefined : v), z.coerce.number({ error: `Choose a ${label} from the list.` }).int().positive(`Choose a ${label} from the list.`).optional());

/** The Insights filter, as the page's query string gives it (every field optional). */
export const insightsQuerySchema = z.object({
  service: optionalId("service"),
  environment: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.union([z.literal("all"), optionalId("environment")]).optional()),
  from: day("From"),
  to: day("To"),
});
export type InsightsQuery = z.output<typeof insightsQuerySchema>;

export interface InsightsRange {
  from: number;
  /** Exclusive: the day after the "to" date. */
  to: number;
  fromDay: string;
  toDay: string;
}

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The range the query asks for: default the last 30 days up to today (UTC), inclusive of both dates. */
export function rangeOf(q: Pick<InsightsQuery, "from" | "to">, now: number): { ok: true; range: InsightsRange } | { ok: false; reason: string } {
  const toDay = q.to ?? dayOf(now);
  const to = Date.parse(`${toDay}T00:00:00Z`) + DAY;
  const from = q.from ? Date.parse(`${q.from}T00:00:00Z`) : to - DEFAULT_RANGE_DAYS * DAY;
  if (from >= to) return { ok: false, reason: "From must be on or before To." };
  if ((to - from) / DAY > MAX_RANGE_DAYS) return { ok: false, reason: `Choose a range of at most ${MAX_RANGE_DAYS} days.` };
  return { ok: true, range: { from, to, fromDay: dayOf(from), toDay } };
}
