import path from "node:path";
import { pathToFileURL } from "node:url";
import { defineConfig, devices } from "@playwright/test";

// Real Chromium against a real `next start` and the real worker on a fresh database (scripts/e2e-server.mjs).
// No internet here: never `playwright install`; Debian's chromium (or $FLIGHTDECK_CHROMIUM) is used.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;
// The demo service's routers (staging; production +100): scripts/e2e-server.mjs and e2e/support/data-plane.ts.
const routerPort = process.env.E2E_ROUTER_PORT ?? "4700";
// scripts/ensure-browser.mjs is plain JS without types: load it by URL and type what is used.
const ensureBrowser = pathToFileURL(path.join(import.meta.dirname, "scripts", "ensure-browser.mjs")).href;
const { findBrowser } = (await import(ensureBrowser)) as { findBrowser: (o?: { install?: boolean }) => Promise<string | undefined> };
const executablePath = await findBrowser({ install: false });
if (!executablePath) {
  throw new Error("No Chromium found: install Debian's chromium or set FLIGHTDECK_CHROMIUM (see scripts/ensure-browser.mjs).");
}

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: ".test-results/playwright.json" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts$/, use: { ...devices["Desktop Chrome"] } },
    {
      name: "chromium",
      testMatch: /\.spec\.ts$/,
      testIgnore: /(governance|doors-approval|incidents-lockdown)\.spec\.ts$/,
      dependencies: ["setup"],
      use: { ...devices["Desktop Chrome"] },
    },
    // Deploys sample-api to staging to reach a real approval screen (framing, issue 10): after the
    // rollout journeys of "chromium", which it would meet on the same service, and before governance.
    {
      name: "doors-approval",
      testMatch: /doors-approval\.spec\.ts$/,
      dependencies: ["chromium"],
      use: { ...devices["Desktop Chrome"] },
    },
    // Changes the global security gate and calendar (enforce, lockdown, freezes): runs alone, after the rest.
    {
      name: "governance",
      testMatch: /governance\.spec\.ts$/,
      dependencies: ["doors-approval"],
      use: { ...devices["Desktop Chrome"] },
    },
    // A P1 security incident locks the global gate down (E5): alone, after governance, which leaves
    // the gate in monitor mode; the test lifts the lockdown again.
    {
      name: "incidents-lockdown",
      testMatch: /incidents-lockdown\.spec\.ts$/,
      dependencies: ["governance"],
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: {
    command: "node scripts/e2e-server.mjs",
    url: `http://127.0.0.1:${port}/api/health`,
    env: { E2E_PORT: String(port), E2E_ROUTER_PORT: routerPort },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
  },
});
