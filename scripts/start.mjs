// `npm start`: migrate SQLite (seeding demo data into a new database in demo mode), build when
// needed, start the web server and the worker (which, in demo mode, deploys the sample service
// and starts demo traffic), and print the URL and demo sign-ins. Ctrl-C stops web and worker;
// the data plane (router, versions, traffic) keeps running and is adopted at the next start.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { commandUserDefaults } from "./command-user.mjs";
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

// Web and worker are separate processes: either may die or be killed without losing anything,
// and the deployed versions, router and demo traffic (detached) keep serving meanwhile.
const web = spawn(bin("next"), ["start", "-p", port], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
let worker;
let stopping = false;
function startWorker() {
  worker = spawn(bin("tsx"), ["--conditions=react-server", "scripts/worker.ts"], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
  worker.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`worker exited (${signal ?? code}); restarting in 1 s`);
    setTimeout(startWorker, 1000);
  });
}
startWorker();
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    stopping = true;
    web.kill(sig);
    worker.kill(sig);
  });
}
web.on("exit", (code) => {
  stopping = true;
  worker.kill("SIGTERM");
  process.exit(code ?? 0);
});

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
