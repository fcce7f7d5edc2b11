import "server-only";
import type { Executor } from "@/db/connection";
import { findServiceAnalysis } from "@/db/queries/analysis";
import { type AnalysisConfig, DEFAULT_ANALYSIS, analysisConfigSchema } from "@/lib/domain/analysis/config";

/**
 * The analysis config of a service: its stored config, or the runbook defaults when none is set.
 * A stored config that no longer validates is reported, never silently replaced by defaults.
 */
export function readAnalysisConfig(db: Executor, serviceId: number): { config: AnalysisConfig; stored: boolean; rowVersion: number | null; error: string | null } {
  const row = findServiceAnalysis(db, serviceId);
  if (!row) return { config: DEFAULT_ANALYSIS, stored: false, rowVersion: null, error: null };
  const parsed = analysisConfigSchema.safeParse(JSON.parse(row.config));
  if (!parsed.success) return { config: DEFAULT_ANALYSIS, stored: true, rowVersion: row.rowVersion, error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { config: parsed.data, stored: true, rowVersion: row.rowVersion, error: null };
}
