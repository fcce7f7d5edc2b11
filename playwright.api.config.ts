import { defineConfig } from "@playwright/test";

// The REST API and CLI suite (issue 11): real HTTP against its own `next start` + worker + local
// driver on a fresh database (scripts/e2e-server.mjs with E2E_DATA_DIR), apart from the browser
// suite because it changes the global security gate (enforce, lockdown) while it runs.
// No browser: the specs use Playwright's `request` fixture and spawn the CLI.
const port = Number(process.env.E2E_API_PORT ?? 3200);
const routerPort = process.env.E2E_API_ROUTER_PORT ?? "4900";
const dataDir = process.env.E2E_API_DATA_DIR ?? "data/e2e-api";

export default defineConfig({
  testDir: "./e2e-api",
  outputDir: "./test-results-api",
  // Specs share one server and its security gate: one at a time, in file order.
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: ".test-results/playwright-api.json" }]],
  use: { baseURL: `http://localhost:${port}` },
  webServer: {
    command: "node scripts/e2e-server.mjs",
    url: `http://127.0.0.1:${port}/api/health`,
    env: { E2E_PORT: String(port), E2E_ROUTER_PORT: routerPort, E2E_DATA_DIR: dataDir },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
  },
});
