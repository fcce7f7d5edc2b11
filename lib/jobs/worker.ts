import "server-only";
import { hostname } from "node:os";
import type { Db } from "@/db/connection";
import { expireLeasesOf, leaseOwners } from "@/db/queries/jobs";
import { processAlive } from "@/lib/drivers/process";
import { analysisHandlers } from "./handlers/analysis";
import { auditHandlers, scheduleAuditVerify, startAuditCheckpoints } from "./handlers/audit";
import { healthHandlers, scheduleHealthProbes } from "./handlers/health";
import { notificationHandlers } from "./handlers/notifications";
import { flagHandlers } from "./handlers/flags";
import { incidentHandlers, scheduleIncidentSla } from "./handlers/incidents";
import { preflightHandlers } from "./handlers/preflight";
import { reconcileHandlers, scheduleReconcile } from "./handlers/reconcile";
import { releaseHandlers } from "./handlers/release";
import { validationHandlers } from "./handlers/validation";
import { rolloutHandlers } from "./handlers/rollout";
import { verifyRollbackHandlers } from "./handlers/verify-rollback";
import { createJobRunner } from "./runner";


/**
 * A restarted worker need not wait out the lease of the worker it replaces: leases held by a
 * worker of this host whose process is gone are ended at once (other hosts still expire normally).
 */
export function releaseDeadLocalLeases(db: Db): string[] {
  const prefix = `worker-${hostname()}-`;
  const dead = leaseOwners(db).filter((o) => o.startsWith(prefix) && /^\d+$/.test(o.slice(prefix.length)) && !processAlive(Number(o.slice(prefix.length))));
  for (const owner of dead) expireLeasesOf(db, owner);
  return dead;
}

/** The worker: every side effect of Flightdeck runs here, driven by jobs in SQLite (DESIGN §1). */
export function startWorker(db: Db, opts: { owner?: string; log?: (msg: string) => void } = {}) {
  const owner = opts.owner ?? `worker-${hostname()}-${process.pid}`;
  const released = releaseDeadLocalLeases(db);
  if (released.length) opts.log?.(`took over the jobs of dead worker(s) ${released.join(", ")}`);
  scheduleAuditVerify(db, Date.now());
  scheduleReconcile(db, Date.now());
  scheduleHealthProbes(db, Date.now());
  scheduleIncidentSla(db, Date.now());
  const handlers = {
    ...rolloutHandlers(db),
    ...analysisHandlers(db),
    ...auditHandlers(db, opts.log),
    ...reconcileHandlers(db, opts.log),
    ...preflightHandlers(db),
    ...releaseHandlers(db),
    ...healthHandlers(db),
    ...validationHandlers(db),
    ...notificationHandlers(db),
    ...flagHandlers(db),
    ...incidentHandlers(db),
    ...verifyRollbackHandlers(db),
  };
  const runner = createJobRunner({ db, owner, handlers, log: opts.log });
  runner.start();
  const checkpoints = startAuditCheckpoints(db, opts.log);
  return {
    ...runner,
    /** Stops the runner, then signs the events of its last moments. */
    async stop() {
      await runner.stop();
      checkpoints.stop();
    },
  };
}
