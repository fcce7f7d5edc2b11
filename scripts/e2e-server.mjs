// Server for the Playwright suite (started by playwright.config.ts `webServer`): a fresh SQLite
// database with demo data at data/e2e/flightdeck-e2e.db, then `next start` on $E2E_PORT (3100).
// Needs an existing production build (`next build`); it never builds, so a run stays predictable.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { bin, buildIsStale, root } from "./lib.mjs";

const port = process.env.E2E_PORT ?? "3100";
const dbFile = path.join(root, "data", "e2e", "flightdeck-e2e.db");

if (!existsSync(path.join(root, ".next", "BUILD_ID"))) {
  console.error("e2e-server: no production build; run `./node_modules/.bin/next build` first.");
  process.exit(1);
}
if (buildIsStale()) console.error("e2e-server: warning: sources changed after the last `next build`; testing the older build.");

mkdirSync(path.dirname(dbFile), { recursive: true });
for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(dbFile + suffix, { force: true });

const env = {
  ...process.env,
  PORT: port,
  FLIGHTDECK_DB: dbFile,
  FLIGHTDECK_DEMO: "1",
  NEXTAUTH_URL: `http://localhost:${port}`,
  // Test-only secret: the database is thrown away after every run.
  NEXTAUTH_SECRET: "flightdeck-e2e-only-secret-not-for-production",
  NEXT_TELEMETRY_DISABLED: "1",
};

const migrate = spawnSync(bin("tsx"), ["scripts/migrate.ts"], { cwd: root, env, stdio: "inherit" });
if (migrate.status !== 0) {
  console.error(`e2e-server: migrate failed (exit ${migrate.status ?? migrate.signal})`);
  process.exit(migrate.status ?? 1);
}

const web = spawn(bin("next"), ["start", "-p", port], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => web.kill(sig));
web.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
