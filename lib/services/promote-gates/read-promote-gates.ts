import "server-only";
import type { Executor } from "@/db/connection";
import { findPromoteGatesConfig } from "@/db/queries/promote-gates";
import { NO_GATES, type PromoteGatesConfig, parseStoredConfig } from "@/lib/domain/promote-gates/config";

/**
 * A service's promote gates: none until an admin sets them. A stored config that no longer parses
 * is reported (and holds every promotion), never read as "no gates".
 */
export function readPromoteGates(db: Executor, serviceId: number): { config: PromoteGatesConfig; rowVersion: number; error: string | null } {
  const row = findPromoteGatesConfig(db, serviceId);
  if (!row) return { config: NO_GATES, rowVersion: 0, error: null };
  const parsed = parseStoredConfig(row.config);
  return parsed.ok ? { config: parsed.config, rowVersion: row.rowVersion, error: null } : { config: NO_GATES, rowVersion: row.rowVersion, error: parsed.error };
}
