// `npm start`: migrate SQLite (seeding demo data into a new database in demo mode), build when
// needed, start the web server, and print the URL and demo sign-ins. Ctrl-C stops everything.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
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

const web = spawn(bin("next"), ["start", "-p", port], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => web.kill(sig));
web.on("exit", (code) => process.exit(code ?? 0));

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
