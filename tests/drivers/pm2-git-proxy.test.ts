import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPm2Driver } from "@/lib/drivers/pm2/driver";
import { haproxySplitter } from "@/lib/drivers/proxy/haproxy";
import type { DriverTarget } from "@/lib/drivers/types";
import { createGitApp } from "@/tests/support/git-app";

/**
 * Runbook 000 on PM2 behind the production proxy (issue 13 items 2 and 4): with `proxy`, the pm2
 * driver points HAProxy at main and canary and sets each weight there (real PM2, real HAProxy).
 * Ports 4800-4899.
 */
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";

const app = createGitApp();
const [c1, , c3] = app.commits;
const dataDir = mkdtempSync(path.join(tmpdir(), "fd-pm2-proxy-"));
chmodSync(dataDir, 0o755);
const port = 4860 + Math.floor(Math.random() * 9) * 3;
const driver = createPm2Driver(
  { script: "server.js", mainPort: port, canaryPort: port + 1, healthPath: "/health", name: "mc-proxy", proxy: { listenPort: port + 2 }, git: { repo: app.repo, build: app.build, keepReleases: 3, tagPattern: "dc-{{shortSha}}", buildTimeoutSeconds: 60 } },
  { pm2Home: path.join(dataDir, "pm2"), dataDir },
);
const target: DriverTarget = { serviceId: 7, serviceName: "mission-control", environmentId: 1, environmentName: "production" };

/** Labels of `n` requests through the proxy. */
async function through(n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port + 2}/health`);
    const { label } = (await res.json()) as { label: string };
    seen[label] = (seen[label] ?? 0) + 1;
  }
  return seen;
}

afterAll(async () => {
  await haproxySplitter({ name: "pm2-mc-proxy", listenPort: port + 2, dataDir }).stop();
  await driver.killDaemon();
}, 60_000);

describe("pm2 from git behind HAProxy (real PM2, real HAProxy)", () => {
  it("the proxy sends each weight to the canary, and everything to main after promotion", async ({ annotate }) => {
    await driver.deploy(target, { opId: "a", version: c1, stableVersion: null });
    expect(await through(10)).toEqual({ "good-1": 10 });
    await driver.deploy(target, { opId: "b", version: c3, stableVersion: c1 });
    await driver.setWeight(target, { opId: "c", weight: 0 });
    expect(await through(20)).toEqual({ "good-1": 20 });
    await driver.setWeight(target, { opId: "d", weight: 100 });
    expect(await through(20)).toEqual({ "good-3": 20 });
    await driver.setWeight(target, { opId: "e", weight: 50 });
    const half = await through(200);
    expect(half["good-1"]).toBeGreaterThan(40);
    expect(half["good-3"]).toBeGreaterThan(40);
    // Requests keep flowing through the proxy during the promotion (main's reload): none fails.
    let failed = 0;
    let sent = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        sent++;
        try {
          const res = await fetch(`http://127.0.0.1:${port + 2}/health`);
          await res.arrayBuffer();
          if (!res.ok) failed++;
        } catch {
          failed++;
        }
      }
    })();
    const started = performance.now();
    await driver.promote(target, { opId: "f", version: c3 });
    const promoteMs = Math.round(performance.now() - started);
    stop = true;
    await load;
    await annotate(`promotion (tag, reload of main, canary retired) took ${promoteMs} ms; ${sent} requests through HAProxy meanwhile, ${failed} failed`);
    expect(sent).toBeGreaterThan(10);
    expect(failed).toBe(0);
    expect(await through(20)).toEqual({ "good-3": 20 });
    expect((await driver.status(target)).weight).toBe(0);
  }, 180_000);

  it("rollback sends all traffic back to main and removes the canary", async () => {
    await driver.deploy(target, { opId: "g", version: c1, stableVersion: c3 });
    await driver.setWeight(target, { opId: "h", weight: 100 });
    expect(await through(10)).toEqual({ "good-1": 10 });
    await driver.rollback(target, { opId: "i", version: c1, stableVersion: c3 });
    expect(await through(20)).toEqual({ "good-3": 20 });
    expect((await driver.status(target)).versions.map((v) => v.role)).toEqual(["stable"]);
  }, 180_000);
});
