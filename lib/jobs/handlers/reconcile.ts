import "server-only";
import type { Db } from "@/db/connection";
import { findEnvironment, findService, listServiceEnvironmentState } from "@/db/queries/catalog";
import { purgeFinishedJobs } from "@/db/queries/jobs";
import { recordAudit } from "@/lib/audit/record";
import { driverFor } from "@/lib/drivers/registry";
import { RECONCILE_JOB, payloadOf, queueJob, reconcileSlotKey } from "../kinds";
import { targetLockKey } from "../lanes";
import type { JobHandler } from "../runner";

export { RECONCILE_JOB };
const EVERY_MS = 5000;

export function scheduleReconcile(db: Db, now: number, next = false): void {
  const slot = Math.floor(now / EVERY_MS) + (next ? 1 : 0);
  db.transaction((tx) => queueJob(tx, RECONCILE_JOB, {}, { runAt: next ? slot * EVERY_MS : now, key: reconcileSlotKey(slot), now }), {
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
      payloadOf(ctx.job, RECONCILE_JOB);
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
        // A target a step or rollback is working on is skipped: its driver call owns the data plane now, and
        // a repair racing it could undo it; the next pass (5 s) looks again.
        const unlock = ctx.tryLock ? ctx.tryLock(targetLockKey(service.id, environment.id)) : () => undefined;
        if (!unlock) continue;
        let repairs: string[];
        try {
          repairs = await driver.reconcile(target);
        } catch (err) {
          repairs = [`repair failed: ${err instanceof Error ? err.message : String(err)}`];
        } finally {
          unlock();
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
