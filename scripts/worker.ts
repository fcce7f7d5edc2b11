// The Flightdeck worker on its own (`npm run worker`): claims jobs from $FLIGHTDECK_DB and runs
// deploy / promote / rollback steps through the drivers. Safe to kill at any moment: jobs are
// leased, so another (or the restarted) worker resumes them.
import path from "node:path";
import { databasePath, getDb, getSqlite } from "@/db/connection";
import { startWorker } from "@/lib/jobs/worker";
import { bootstrapDemo } from "@/lib/services/demo/bootstrap-demo";

// The process-wide connection: services the worker calls use the same one.
const db = getDb();
const sqlite = getSqlite();
if (["1", "true", "yes", "on"].includes(process.env.FLIGHTDECK_DEMO ?? "")) bootstrapDemo(db, path.dirname(databasePath()));
const runner = startWorker(db, { log: (msg) => console.log(`[worker] ${msg}`) });
console.log(`[worker] running (pid ${process.pid})`);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    void runner.stop().then(() => {
      sqlite.close();
      process.exit(0);
    });
  });
}
