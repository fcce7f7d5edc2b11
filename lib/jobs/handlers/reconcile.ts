import "server-only";
import type { Db } from "@/db/connection";
import { findEnvironment, findService, listServiceEnvironmentState } from "@/db/queries/catalog";
import { enqueueJob, purgeFinishedJobs } from "@/db/queries/jobs";
import { recordAudit } from "@/lib/audit/record";
import { driverFor } from "@/lib/drivers/registry";
import type { JobHandler } from "../runner";

export const RECONCILE_JOB = "driver.reconcile";
const EVERY_MS = 5000;

export function scheduleReconcile(db: Db, now: number, next = false): void {
  const slot = Math.floor(now / EVERY_MS) + (next ? 1 : 0);
  db.transaction((tx) => enqueueJob(tx, { kind: RECONCILE_JOB, payload: {}, runAt: next ? slot * EVERY_MS : now, idempotencyKey: `reconcile:${slot}`, now }), {
    behavior: "immediate",
  });
  if (next) purgeFinishedJobs(db, RECONCILE_JOB, now - 10 * 60_000);
}

/**
 * Every 5 s (and at worker start): each deployed service's data plane is checked and repaired —
 * a dead router or stable version is restarted and its split restored — and every repair is audited.
 */
export function reconcileHandlers(db: Db, log: (msg: string) => void = () => undefined): Record<string, JobHandler> {
  return {
    async [RECONCILE_JOB](ctx) {
      for (const row of listServiceEnvironmentState(db)) {
        if (!row.currentVersion) continue;
        const service = findService(db, row.serviceId);
        const environment = findEnvironment(db, row.environmentId);
        if (!service || !environment) continue;
        const { driver, name } = driverFor(service.deployTarget);
        if (!driver.reconcile) continue;
        const target = {
          serviceId: service.id,
          serviceName: service.name,
          environmentId: environment.id,
          environmentName: environment.name,
        };
        let repairs: string[];
        try {
          repairs = await driver.reconcile(target);
        } catch (err) {
          repairs = [`repair failed: ${err instanceof Error ? err.message : String(err)}`];
        }
        if (repairs.length === 0) continue;
        log(`${service.name}/${environment.name}: ${repairs.join("; ")}`);
        ctx.commit((tx) =>
          recordAudit(tx, {
            actor: { kind: "system", label: "worker" },
            action: "driver.reconcile",
            subjectType: "service",
            subjectId: service.id,
            environment: environment.name,
            details: { driver: name, repairs },
          }),
        );
      }
      scheduleReconcile(db, Date.now(), true);
    },
  };
}
