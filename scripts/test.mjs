// `npm test`: lint, typecheck, unit + integration tests (vitest), production build, the quick
// crash test, then the Playwright e2e suite in Chromium against `next start`, the API + CLI suite
// and the single sign-on suite. Every step runs even when an earlier one
// fails (except e2e, which needs the build); the last line is `N passed, N failed` for CI.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { findBrowser } from "./ensure-browser.mjs";
import { bin, root } from "./lib.mjs";

const results = path.join(root, ".test-results");
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const rows = [];

function run(label, cmd, args, extraEnv = {}) {
  console.log(`\n=== ${label}: ${path.basename(cmd)} ${args.join(" ")}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: "inherit" });
  return { ok: r.status === 0, seconds: (Date.now() - started) / 1000 };
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A check that is one pass or one failure (lint, typecheck, build). */
function check(label, cmd, args) {
  const r = run(label, cmd, args);
  rows.push({ label, passed: r.ok ? 1 : 0, failed: r.ok ? 0 : 1, seconds: r.seconds });
  return r.ok;
}

check("lint", bin("eslint"), ["--max-warnings=0", "."]);
check("typecheck", bin("tsc"), ["--noEmit"]);

{
  const out = path.join(results, "vitest.json");
  const r = run("unit + integration", bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
  const j = readJson(out);
  const passed = j?.numPassedTests ?? 0;
  // A crash before any report still counts as a failure.
  const failed = j ? j.numFailedTests + (r.ok || j.numFailedTests > 0 ? 0 : 1) : 1;
  rows.push({ label: "unit + integration", passed, failed, seconds: r.seconds });
}

const built = check("build", bin("next"), ["build"]);
// Kills web + worker at random moments during canaries and checks nothing was lost or done twice.
check("crash test (quick)", bin("tsx"), ["--conditions=react-server", "scripts/crash-test.ts", "--quick"]);

{
  const label = "e2e (Playwright, Chromium)";
  const browser = await findBrowser();
  if (!built || !browser) {
    console.log(`\n=== ${label}: not run (${!built ? "build failed" : "no Chromium: see scripts/ensure-browser.mjs"})`);
    rows.push({ label, passed: 0, failed: 1, seconds: 0 });
  } else {
    const out = path.join(results, "playwright.json");
    const r = run(label, bin("playwright"), ["test"], { FLIGHTDECK_CHROMIUM: browser });
    const stats = existsSync(out) ? readJson(out)?.stats : undefined;
    const passed = (stats?.expected ?? 0) + (stats?.flaky ?? 0);
    const failed = stats ? stats.unexpected + (r.ok || stats.unexpected > 0 ? 0 : 1) : 1;
    rows.push({ label, passed, failed, seconds: r.seconds });
  }
}

{
  // The REST API + CLI suite (issue 11): its own server on its own ports and database; no browser.
  const label = "API + CLI (Playwright)";
  if (!built) {
    console.log(`\n=== ${label}: not run (build failed)`);
    rows.push({ label, passed: 0, failed: 1, seconds: 0 });
  } else {
    const out = path.join(results, "playwright-api.json");
    const r = run(label, bin("playwright"), ["test", "-c", "playwright.api.config.ts"]);
    const stats = existsSync(out) ? readJson(out)?.stats : undefined;
    const passed = (stats?.expected ?? 0) + (stats?.flaky ?? 0);
    const failed = stats ? stats.unexpected + (r.ok || stats.unexpected > 0 ? 0 : 1) : 1;
    rows.push({ label, passed, failed, seconds: r.seconds });
  }
}

{
  // Single sign-on against a real OpenID Provider (issue 15): the suite starts oidc-provider on
  // 127.0.0.1 and its own Flightdeck (ports 3350 / 3300, data/e2e-oidc); Chromium, no network.
  const label = "single sign-on (Playwright)";
  const browser = await findBrowser();
  if (!built || !browser) {
    console.log(`\n=== ${label}: not run (${!built ? "build failed" : "no Chromium: see scripts/ensure-browser.mjs"})`);
    rows.push({ label, passed: 0, failed: 1, seconds: 0 });
  } else {
    const out = path.join(results, "playwright-oidc.json");
    const r = run(label, bin("playwright"), ["test", "-c", "playwright.oidc.config.ts"], { FLIGHTDECK_CHROMIUM: browser });
    const stats = existsSync(out) ? readJson(out)?.stats : undefined;
    const passed = (stats?.expected ?? 0) + (stats?.flaky ?? 0);
    const failed = stats ? stats.unexpected + (r.ok || stats.unexpected > 0 ? 0 : 1) : 1;
    rows.push({ label, passed, failed, seconds: r.seconds });
  }
}

console.log("\n=== summary");
for (const row of rows) {
  console.log(`${row.label.padEnd(28)} ${String(row.passed).padStart(4)} passed ${String(row.failed).padStart(3)} failed  ${row.seconds.toFixed(0)} s`);
}
const passed = rows.reduce((n, r) => n + r.passed, 0);
const failed = rows.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
