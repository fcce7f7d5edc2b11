import "server-only";
import type { Db } from "@/db/connection";
import { findEnvironment, findService, listEnvironments } from "@/db/queries/catalog";
import { insertProbeResults, listProbes, purgeProbeResults } from "@/db/queries/governance";
import { purgeFinishedJobs } from "@/db/queries/jobs";
import { recordAudit } from "@/lib/audit/record";
import { driverFor } from "@/lib/drivers/registry";
import { environmentHealth } from "@/lib/services/health/environment-health";
import { HEALTH_JOB, healthSlotKey, payloadOf, queueJob } from "../kinds";
import type { JobHandler } from "../runner";

export { HEALTH_JOB };
const EVERY_MS = 10_000;
const KEEP_MS = 24 * 3600_000;

export function scheduleHealthProbes(db: Db, now: number, next = false): void {
  const slot = Math.floor(now / EVERY_MS) + (next ? 1 : 0);
  db.transaction((tx) => queueJob(tx, HEALTH_JOB, {}, { runAt: next ? slot * EVERY_MS : now, key: healthSlotKey(slot), now }), { behavior: "immediate" });
  if (next) purgeFinishedJobs(db, HEALTH_JOB, now - 10 * 60_000);
}

async function probe(url: string, expectStatus: number, timeoutMs: number) {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    const ms = Math.round(performance.now() - started);
    return { ok: res.status === expectStatus, status: res.status, ms, detail: res.status === expectStatus ? `HTTP ${res.status}` : `HTTP ${res.status}, expected ${expectStatus}` };
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return { ok: false, status: null, ms, detail: timedOut ? `no answer within ${timeoutMs} ms` : `unreachable (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** The health URL of a service's stable version in an environment, through its driver (follows its port). */
async function serviceHealthUrl(db: Db, serviceId: number | null, environmentId: number): Promise<string | null> {
  const service = serviceId ? findService(db, serviceId) : undefined;
  const env = findEnvironment(db, environmentId);
  if (!service || !env) return null;
  const { driver, smokePaths } = driverFor(service.deployTarget);
  const base = await driver.variantUrl({ serviceId: service.id, serviceName: service.name, environmentId: env.id, environmentName: env.name }, "stable");
  return base ? base + (smokePaths[0] ?? "/") : null;
}

/**
 * Every 10 s: each configured probe is checked and its result kept for the history (C3). A change
 * of an environment's overall health is an audit event; the results themselves are not.
 */
export function healthHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  return {
    async [HEALTH_JOB](ctx) {
      payloadOf(ctx.job, HEALTH_JOB);
      const probes = listProbes(db);
      const before = environmentHealth(db, 2);
      const results = await Promise.all(
        probes.map(async (p) => {
          const url = p.url ?? (await serviceHealthUrl(db, p.serviceId, p.environmentId));
          const r = url ? await probe(url, p.expectStatus, p.timeoutMs) : { ok: false, status: null, ms: 0, detail: "no version of the service runs here to probe" };
          return { probeId: p.id, at: now(), ...r };
        }),
      );
      ctx.commit((tx) => {
        insertProbeResults(tx, results);
        purgeProbeResults(tx, now() - KEEP_MS);
        const after = environmentHealth(tx, 2);
        for (const env of listEnvironments(tx)) {
          const [was, is] = [before(env.id).overall, after(env.id).overall];
          if (was === is || after(env.id).probes.length === 0) continue;
          recordAudit(tx, { actor: { kind: "system", label: "worker" }, action: "health.changed", subjectType: "environment", subjectId: env.id, environment: env.name, details: { from: was, to: is, probes: after(env.id).probes.map((p) => ({ name: p.name, health: p.health, why: p.why })) } });
        }
      });
      scheduleHealthProbes(db, now(), true);
    },
  };
}
