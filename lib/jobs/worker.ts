import "server-only";
import { hostname } from "node:os";
import type { Db } from "@/db/connection";
import { auditHandlers, scheduleAuditVerify } from "./handlers/audit";
import { rolloutHandlers } from "./handlers/rollout";
import { createJobRunner } from "./runner";

/** The worker: every side effect of Flightdeck runs here, driven by jobs in SQLite (DESIGN §1). */
export function startWorker(db: Db, opts: { owner?: string; log?: (msg: string) => void } = {}) {
  const owner = opts.owner ?? `worker-${hostname()}-${process.pid}`;
  scheduleAuditVerify(db, Date.now());
  const runner = createJobRunner({ db, owner, handlers: { ...rolloutHandlers(db), ...auditHandlers(db, opts.log) }, log: opts.log });
  runner.start();
  return runner;
}
