import "server-only";
import { hostname } from "node:os";
import type { Db } from "@/db/connection";
import { auditHandlers, scheduleAuditVerify } from "./handlers/audit";
import { reconcileHandlers, scheduleReconcile } from "./handlers/reconcile";
import { rolloutHandlers } from "./handlers/rollout";
import { createJobRunner } from "./runner";

/** The worker: every side effect of Flightdeck runs here, driven by jobs in SQLite (DESIGN §1). */
export function startWorker(db: Db, opts: { owner?: string; log?: (msg: string) => void } = {}) {
  const owner = opts.owner ?? `worker-${hostname()}-${process.pid}`;
  scheduleAuditVerify(db, Date.now());
  scheduleReconcile(db, Date.now());
  const handlers = { ...rolloutHandlers(db), ...auditHandlers(db, opts.log), ...reconcileHandlers(db, opts.log) };
  const runner = createJobRunner({ db, owner, handlers, log: opts.log });
  runner.start();
  return runner;
}
