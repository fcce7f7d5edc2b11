import { z } from "zod";
import type { Role } from "@/lib/domain/roles";
import { OVERRIDABLE_ACTIONS } from "./gate";

export const MAX_OVERRIDE_TTL_MINUTES = 1440; // 24 h
/** Runbook 003 "Override TTL Guidelines"; the form offers them as presets. */
export const RECOMMENDED_TTL_MINUTES = { planned: 60, emergencyRollback: 30, criticalHotfix: 15, maintenance: 120 } as const;

export const overrideInputSchema = z.object({
  action: z.enum(OVERRIDABLE_ACTIONS),
  environment: z.string().trim().min(1, "Choose an environment.").max(64, "Choose an environment."),
  reason: z
    .string()
    .trim()
    .min(10, "Explain why (at least 10 characters), with a ticket reference, e.g. INC-123.")
    .max(500, "Keep the reason under 500 characters."),
  ttlMinutes: z.coerce
    .number({ message: "Enter the TTL in minutes." })
    .int("The TTL is a whole number of minutes.")
    .min(1, "The TTL must be at least 1 minute.")
    .max(MAX_OVERRIDE_TTL_MINUTES, `The TTL may not exceed ${MAX_OVERRIDE_TTL_MINUTES} minutes (24 hours).`),
});
export type OverrideInput = z.infer<typeof overrideInputSchema>;

export interface OverrideRecord {
  id: number;
  action: string;
  environment: string;
  expiresAt: number;
  revokedAt: number | null;
  createdBy?: number;
}

export const OVERRIDE_MESSAGES = {
  notOverridable: (action: string): string => `Overrides cannot be created for ${action}.`,
  developer: "Developers cannot create overrides; staging needs none.",
  engLeadDeployOnly: "Engineering leads may override deploy actions only; load shedding needs the Security team.",
  oncallProductionRollbackOnly: "On-call may override deploy.rollback in production only.",
  none: "Only the Security team, engineering leads (deploy actions) and on-call (production rollback) may create overrides.",
} as const;

/** Runbook 003 / E4: security = all actions, any env; eng_lead = deploy actions (deploy.*), any env; oncall = deploy.rollback in production only; developer and others = none. */
export function mayCreateOverride(
  roles: readonly Role[],
  action: string,
  environment: { name: string; production: boolean },
): { ok: true } | { ok: false; reason: string } {
  if (!(OVERRIDABLE_ACTIONS as readonly string[]).includes(action)) return { ok: false, reason: OVERRIDE_MESSAGES.notOverridable(action) };
  if (roles.includes("security")) return { ok: true };
  const deployAction = action.startsWith("deploy.");
  if (roles.includes("eng_lead") && deployAction) return { ok: true };
  if (roles.includes("oncall") && action === "deploy.rollback" && environment.production) return { ok: true };
  // The most specific refusal for the roles held, so the person knows who to ask.
  if (roles.includes("eng_lead")) return { ok: false, reason: OVERRIDE_MESSAGES.engLeadDeployOnly };
  if (roles.includes("oncall")) return { ok: false, reason: OVERRIDE_MESSAGES.oncallProductionRollbackOnly };
  if (roles.includes("developer")) return { ok: false, reason: OVERRIDE_MESSAGES.developer };
  return { ok: false, reason: OVERRIDE_MESSAGES.none };
}

/** Expiry of an override created at `createdAt` (ms) with `ttlMinutes`. */
export function overrideExpiresAt(createdAt: number, ttlMinutes: number): number {
  return createdAt + ttlMinutes * 60_000;
}

/** Active = not revoked and not yet expired; the expiry instant itself is already expired. */
export function isActive(o: OverrideRecord, now: number): boolean {
  return o.revokedAt === null && o.expiresAt > now;
}

/** The active override for (action, environment) that lasts longest, so callers pick a stable one. */
export function activeOverrideFor(
  overrides: readonly OverrideRecord[],
  action: string,
  environment: string,
  now: number,
): OverrideRecord | undefined {
  let best: OverrideRecord | undefined;
  for (const o of overrides) {
    if (o.action !== action || o.environment !== environment || !isActive(o, now)) continue;
    if (!best || o.expiresAt > best.expiresAt || (o.expiresAt === best.expiresAt && o.id < best.id)) best = o;
  }
  return best;
}

/**
 * Why no override is active for (action, environment): "expired" or "revoked" when the most
 * recent one lapsed (E3: say so mid-operation), "none" when there never was one.
 */
export function lapsedOverrideState(
  overrides: readonly OverrideRecord[],
  action: string,
  environment: string,
  now: number,
): "active" | "expired" | "revoked" | "none" {
  let latest: OverrideRecord | undefined;
  for (const o of overrides) {
    if (o.action !== action || o.environment !== environment) continue;
    if (isActive(o, now)) return "active";
    if (!latest || o.id > latest.id) latest = o;
  }
  if (!latest) return "none";
  return latest.revokedAt !== null && latest.revokedAt <= latest.expiresAt ? "revoked" : "expired";
}
