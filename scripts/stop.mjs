// `npm run stop`: stops the demo's data plane (routers, sample-service versions) and its traffic
// generators for this database (FLIGHTDECK_DB, default data/flightdeck.db), and the PM2 daemon of
// its data directory with the apps it runs (runbook 000's mission-control), and nothing else.
// `npm start` leaves them serving on Ctrl-C on purpose (a restart adopts them); this ends them.
import { readdirSync } from "node:fs";
import path from "node:path";
import { dataPlane, describeCensus, describePm2, pm2Plane, readProc } from "./data-plane.mjs";
import { root } from "./lib.mjs";

const dbFile = path.resolve(root, process.env.FLIGHTDECK_DB ?? "data/flightdeck.db");
const plane = dataPlane({ dataDir: path.dirname(dbFile), dbFile });
const pm2 = pm2Plane({ dataDir: path.dirname(dbFile) });

/** A Flightdeck worker on this database would bring the data plane straight back up. */
function runningWorker() {
  const worker = path.join(root, "scripts", "worker.ts");
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const argv = readProc(name, "cmdline") ?? [];
    if (argv.some((a) => path.resolve(root, a) === worker) && readProc(name, "environ")?.includes(`FLIGHTDECK_DB=${dbFile}`)) return Number(name);
  }
  return null;
}

const worker = runningWorker();
if (worker !== null) {
  console.error(`Flightdeck's worker (pid ${worker}) still runs on ${dbFile} and would restart the data plane.\nStop \`npm start\` with Ctrl-C first, then run \`npm run stop\` again.`);
  process.exit(1);
}
const what = describeCensus(plane.census());
const stopped = await plane.stop();
const pm2Stopped = await pm2.stop();
if (stopped === 0 && !pm2Stopped) console.log(`Nothing of the demo's data plane runs for ${dbFile}.`);
if (stopped > 0) console.log(`Stopped ${what} (${dbFile}).`);
if (pm2Stopped) console.log(`Stopped ${describePm2(pm2Stopped)}.`);
