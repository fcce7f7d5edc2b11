import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DriverTarget } from "../types";
import { createPm2Driver } from "./driver";

// Real PM2 (npm package): its own daemon under a temp PM2_HOME, killed at the end.
const pm2Home = mkdtempSync(path.join(tmpdir(), "fd-pm2-"));
const base = 16_000 + Math.floor(Math.random() * 400) * 2;
const driver = createPm2Driver(
  { script: path.resolve("lib/drivers/local/sample-service.mjs"), mainPort: base, canaryPort: base + 1, healthPath: "/health" },
  { pm2Home },
);
const target: DriverTarget = { serviceId: 1, serviceName: "mission-control", environmentId: 2, environmentName: "production" };
const versionAt = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { version: string }).version;

afterAll(async () => {
  await driver.killDaemon();
}, 30_000);

describe("pm2 driver (real PM2)", () => {
  it("first deploy starts main; the next version runs as its own canary process on its own port, online", async () => {
    await driver.deploy(target, { opId: "a", version: "1.0.0", stableVersion: null });
    expect(await versionAt(base)).toBe("1.0.0");
    await driver.deploy(target, { opId: "b", version: "1.1.0", stableVersion: "1.0.0" });
    expect(await versionAt(base + 1)).toBe("1.1.0");
    const status = await driver.status(target);
    expect(status.versions.map((v) => [v.role, v.version, v.healthy])).toEqual([
      ["stable", "1.0.0", true],
      ["canary", "1.1.0", true],
    ]);
    expect(status.versions[0]!.detail).toContain("pm2 online");
  }, 60_000);

  it("deploying the same canary again adopts it (idempotent step)", async () => {
    const before = (await driver.status(target)).versions[1]!.detail;
    await driver.deploy(target, { opId: "b", version: "1.1.0", stableVersion: "1.0.0" });
    expect((await driver.status(target)).versions[1]!.detail).toBe(before);
  }, 30_000);

  it("promotion reloads main on the new version and removes the canary", async () => {
    await driver.setWeight(target, { opId: "c", weight: 50 });
    expect((await driver.status(target)).weight).toBe(50);
    await driver.promote(target, { opId: "d", version: "1.1.0" });
    expect(await versionAt(base)).toBe("1.1.0");
    expect((await driver.status(target)).versions.map((v) => [v.role, v.version])).toEqual([["stable", "1.1.0"]]);
  }, 60_000);

  it("rollback removes the canary and leaves main serving", async () => {
    await driver.deploy(target, { opId: "e", version: "1.2.0-bad", stableVersion: "1.1.0" });
    await driver.rollback(target, { opId: "f", version: "1.2.0-bad", stableVersion: "1.1.0" });
    expect((await driver.status(target)).versions.map((v) => v.role)).toEqual(["stable"]);
    expect(await versionAt(base)).toBe("1.1.0");
  }, 60_000);
});
