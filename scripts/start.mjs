// `npm start`: migrate SQLite (seeding demo data into a new database in demo mode), build when
// needed, start the web server and the worker (which, in demo mode, deploys the sample service
// and starts demo traffic), and print the URL and demo sign-ins. Web and worker are restarted when
// they die. Ctrl-C stops them and says what keeps running: the data plane (router, versions,
// traffic; the PM2 daemon and its apps once runbook 000's mission-control is deployed) serves on
// and is adopted at the next start; `npm run stop` stops it.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { commandUserDefaults } from "./command-user.mjs";
import { dataPlane, describeCensus, describePm2, pm2Plane } from "./data-plane.mjs";
import { supervisor } from "./supervise.mjs";
import { authSecret, bin, buildIsStale, demoDefault, root, waitForHttp } from "./lib.mjs";

const port = process.env.PORT ?? "3000";
const dbFile = path.resolve(root, process.env.FLIGHTDECK_DB ?? "data/flightdeck.db");
const env = {
  ...process.env,
  PORT: port,
  FLIGHTDECK_DB: dbFile,
  FLIGHTDECK_DEMO: demoDefault(),
  NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
  NEXTAUTH_SECRET: authSecret(dbFile),
  NEXT_TELEMETRY_DISABLED: "1",
  // As root, admin-defined commands run as `nobody` unless told otherwise (lib/drivers/shell.ts).
  ...commandUserDefaults(),
};

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(bin("tsx"), ["scripts/migrate.ts"]);
if (buildIsStale()) {
  console.log("building Flightdeck (first start or sources changed)…");
  run(bin("next"), ["build"]);
}

// Web and worker are separate processes, each restarted when it dies (and said so): either may die
// or be killed without losing anything, and the deployed versions, router and demo traffic
// (detached) keep serving meanwhile. A process that keeps dying at once is given up on.
let stopping = false;
const supervised = supervisor({ cwd: root, env, isStopping: () => stopping, giveUp: () => void shutdown(1) });

const exited = (child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", resolve)));

/** Stops web and worker, then says what keeps serving and how to stop it. */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  const running = supervised.current();
  for (const child of running) child.kill("SIGTERM");
  await Promise.race([Promise.all(running.map(exited)), new Promise((r) => setTimeout(r, 5000))]);
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  const dataDir = path.dirname(dbFile);
  // Runbook 000's mission-control, once deployed, runs under the PM2 daemon of the data dir.
  const serving = [describeCensus(dataPlane({ dataDir, dbFile }).census()), describePm2(pm2Plane({ dataDir }).census())].filter(Boolean).join("; ");
  console.log(
    serving
      ? `\nStopped the web server and the worker. Still serving: ${serving} (the demo's data plane; the next \`npm start\` adopts it).\nStop them with: npm run stop`
      : "\nStopped the web server and the worker; nothing else of Flightdeck runs.",
  );
  process.exit(code);
}

supervised.supervise("web server", bin("next"), ["start", "-p", port]);
supervised.supervise("worker", bin("tsx"), ["--conditions=react-server", "scripts/worker.ts"]);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => void shutdown(0));

if (await waitForHttp(`http://127.0.0.1:${port}/api/health`, 60_000)) {
  const lines = [`\nFlightdeck is running at http://localhost:${port}`, `database: ${dbFile}`];
  if (env.FLIGHTDECK_DEMO === "1") {
    lines.push(
      "demo mode: sign in with password flightdeck-demo as",
      "  captain@  sentinel@  sentinel2@  owner@  oncall@  security@  lead@  feature@  dev@  viewer@  admin@  captain-sentinel@",
      "  (all @flightdeck.local)",
    );
  } else {
    lines.push("create the first administrator with: npm run user:create -- --email you@example.com --role admin");
  }
  console.log(lines.join("\n") + "\n");
}
