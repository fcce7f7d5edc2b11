import "server-only";
import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { InvalidError } from "@/lib/errors";

/**
 * The service and environment a flag input names, checked to exist (inside the caller's
 * transaction); none when the flag is unbound. Helper of create-flag and update-flag.
 */
export function resolveBinding(tx: Executor, input: { serviceId?: number; environmentId?: number }): { service: string; environment: string } | null {
  if (input.serviceId === undefined || input.environmentId === undefined) return null;
  const service = findService(tx, input.serviceId);
  if (!service) throw new InvalidError("That service does not exist (any more).", { serviceId: ["That service does not exist (any more)."] });
  const environment = findEnvironment(tx, input.environmentId);
  if (!environment) throw new InvalidError("That environment does not exist (any more).", { environmentId: ["That environment does not exist (any more)."] });
  return { service: service.name, environment: environment.name };
}

/** A flag as its audit events describe it (before / after). */
export const flagAuditState = (f: { enabled: boolean; rolloutPercentage: number }) => ({ enabled: f.enabled, rolloutPercentage: f.rolloutPercentage });
