import "server-only";
import type { Executor } from "@/db/connection";
import { latestProbeResults, listProbes } from "@/db/queries/governance";
import { type HealthClass, overallHealth, probeClass } from "@/lib/domain/health";

/** Health of every environment from its probes' latest results (C3), with each probe's history. */
export function environmentHealth(db: Executor, historyLength = 20) {
  const byEnv = new Map<number, { overall: HealthClass; probes: { id: number; name: string; url: string | null; serviceId: number | null; health: HealthClass; why: string; history: { at: number; ok: boolean; ms: number; status: number | null; detail: string }[] }[] }>();
  for (const p of listProbes(db)) {
    const history = latestProbeResults(db, p.id, historyLength);
    const c = probeClass(history, p.degradedMs);
    const entry = byEnv.get(p.environmentId) ?? { overall: "degraded" as HealthClass, probes: [] };
    entry.probes.push({ id: p.id, name: p.name, url: p.url, serviceId: p.serviceId, ...c, history: history.map((h) => ({ at: h.at, ok: h.ok, ms: h.ms, status: h.status, detail: h.detail })) });
    byEnv.set(p.environmentId, entry);
  }
  for (const e of byEnv.values()) e.overall = overallHealth(e.probes.map((p) => p.health));
  return (environmentId: number) => byEnv.get(environmentId) ?? { overall: overallHealth([]), probes: [] };
}
