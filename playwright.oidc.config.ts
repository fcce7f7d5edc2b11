import path from "node:path";
import { pathToFileURL } from "node:url";
import { defineConfig, devices } from "@playwright/test";
import { ACCOUNTS, APP_PORT, BASE_URL, CLIENT_ID, CLIENT_SECRET, DATA_DIR, ISSUER, PROVIDER_NAME, PROVIDER_PORT, REDIRECT_URI } from "./e2e-oidc/support/settings";

// Single sign-on against a real OpenID Provider (issue 15): Chromium signs in to Flightdeck (its own
// `next start` + worker on a fresh database without demo data, scripts/e2e-server.mjs with
// E2E_DEMO=0) through oidc-provider, started here on 127.0.0.1 (e2e-oidc/support/provider.mjs)
// with its own keys, one client and four accounts. No network. global-setup.ts creates the
// Flightdeck users the accounts are matched against.
const ensureBrowser = pathToFileURL(path.join(import.meta.dirname, "scripts", "ensure-browser.mjs")).href;
const { findBrowser } = (await import(ensureBrowser)) as { findBrowser: (o?: { install?: boolean }) => Promise<string | undefined> };
const executablePath = await findBrowser({ install: false });
if (!executablePath) {
  throw new Error("No Chromium found: install Debian's chromium or set FLIGHTDECK_CHROMIUM (see scripts/ensure-browser.mjs).");
}
// Never through a proxy: both servers are on this machine.
const noProxy = { NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost", HTTP_PROXY: "", HTTPS_PROXY: "", http_proxy: "", https_proxy: "" };

export default defineConfig({
  testDir: "./e2e-oidc",
  outputDir: "./test-results/oidc",
  globalSetup: "./e2e-oidc/support/global-setup.ts",
  // The specs share one provider whose token endpoint a test can switch (foreign ID tokens): one at a time.
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: ".test-results/playwright-oidc.json" }]],
  use: {
    ...devices["Desktop Chrome"],
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: [
    {
      command: "node e2e-oidc/support/provider.mjs",
      url: `${ISSUER}/.well-known/openid-configuration`,
      env: {
        ...noProxy,
        E2E_OIDC_PORT: String(PROVIDER_PORT),
        E2E_OIDC_ISSUER: ISSUER,
        E2E_OIDC_CLIENT_ID: CLIENT_ID,
        E2E_OIDC_CLIENT_SECRET: CLIENT_SECRET,
        E2E_OIDC_REDIRECT_URI: REDIRECT_URI,
        E2E_OIDC_ACCOUNTS: JSON.stringify(Object.values(ACCOUNTS)),
      },
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "node scripts/e2e-server.mjs",
      url: `http://127.0.0.1:${APP_PORT}/api/health`,
      env: {
        ...noProxy,
        E2E_PORT: String(APP_PORT),
        E2E_ROUTER_PORT: process.env.E2E_OIDC_ROUTER_PORT ?? "5100",
        E2E_DATA_DIR: path.relative(import.meta.dirname, DATA_DIR),
        E2E_DEMO: "0",
        OIDC_ISSUER: ISSUER,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_NAME: PROVIDER_NAME,
      },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
  ],
});
