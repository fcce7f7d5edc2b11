import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import type { DriverTarget } from "../types";
import { createLocalDriver } from "./driver";
import { expectWeightedSplit } from "@/tests/support/split";
import { versionsSeen } from "@/tests/support/traffic";

const dataDir = mkdtempSync(path.join(tmpdir(), "fd-local-"));
const dbFile = path.join(dataDir, "fd.db");
openDatabase(dbFile).sqlite.close();
// Port blocks per test file are disjoint (files run in parallel) and below the ephemeral range
// (32768+), where an outgoing connection could already hold a port a test wants to listen on: 30000-31999 here.
const routerPort = 30_000 + Math.floor(Math.random() * 10) * 200;
const config = { entry: "sample-service", routerPort, healthPath: "/health" };
const target: DriverTarget = { serviceId: 1, serviceName: "sample-api", environmentId: 1, environmentName: "staging" };
const supervisionFile = path.join(dataDir, "local-driver", "sample-api-staging", "supervision.json");

afterAll(() => {
  for (const env of ["staging", "production"]) {
    const file = path.join(dataDir, "local-driver", `sample-api-${env}`, "supervision.json");
    if (!existsSync(file)) continue;
    const s = JSON.parse(readFileSync(file, "utf8")) as Record<string, { pid: number } | null>;
    for (const p of [s.router, s.stable, s.canary]) {
      try {
        if (p) process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
});

const versionsOf = (n: number) => versionsSeen(routerPort, n);

describe("local driver (real processes)", () => {
  const driver = createLocalDriver(config, { dataDir, dbFile });

  it("first deploy becomes stable; the next version runs beside it as canary", async () => {
    await driver.deploy(target, { opId: "r1:deploy", version: "1.0.0", stableVersion: null });
    expect(await versionsOf(10)).toEqual({ "1.0.0": 10 });
    await driver.deploy(target, { opId: "r2:deploy", version: "1.1.0", stableVersion: "1.0.0" });
    await driver.setWeight(target, { opId: "r2:w25", weight: 25 });
    expectWeightedSplit(await versionsOf(400), { stable: "1.0.0", canary: "1.1.0", weight: 25 });
    const status = await driver.status(target);
    expect(status.weight).toBe(25);
    expect(status.versions.map((v) => [v.role, v.version, v.healthy])).toEqual([
      ["stable", "1.0.0", true],
      ["canary", "1.1.0", true],
    ]);
  }, 30_000);

  it("a restarted control plane adopts the running processes instead of starting them again", async () => {
    const before = readFileSync(supervisionFile, "utf8");
    const again = createLocalDriver(config, { dataDir, dbFile });
    await again.deploy(target, { opId: "r2:deploy", version: "1.1.0", stableVersion: "1.0.0" });
    expect(readFileSync(supervisionFile, "utf8")).toBe(before);
  });

  it("rollback sends all traffic to stable and removes the canary", async () => {
    await driver.rollback(target, { opId: "r2:rollback", version: "1.1.0", stableVersion: "1.0.0" });
    expect(await versionsOf(20)).toEqual({ "1.0.0": 20 });
    expect((await driver.status(target)).versions.map((v) => v.role)).toEqual(["stable"]);
  }, 30_000);

  it("promote makes the canary stable and retires the old version", async () => {
    await driver.deploy(target, { opId: "r3:deploy", version: "1.2.0", stableVersion: "1.0.0" });
    await driver.setWeight(target, { opId: "r3:w50", weight: 50 });
    await driver.promote(target, { opId: "r3:promote", version: "1.2.0" });
    expect(await versionsOf(20)).toEqual({ "1.2.0": 20 });
    const status = await driver.status(target);
    expect(status.versions.map((v) => [v.role, v.version])).toEqual([["stable", "1.2.0"]]);
    // Promote again (a replayed step) changes nothing.
    await driver.promote(target, { opId: "r3:promote", version: "1.2.0" });
    expect(await versionsOf(10)).toEqual({ "1.2.0": 10 });
  }, 30_000);

  it("never takes over a router that serves another Flightdeck database, service or environment", async () => {
    const otherDir = mkdtempSync(path.join(tmpdir(), "fd-local-other-"));
    const intruder = createLocalDriver(config, { dataDir: otherDir, dbFile: path.join(otherDir, "other.db") });
    await expect(intruder.deploy(target, { opId: "x", version: "6.6.6", stableVersion: null })).rejects.toThrow(/already used by another router/);
    await expect(driver.deploy({ ...target, environmentId: 2, environmentName: "production" }, { opId: "y", version: "6.6.6", stableVersion: null })).resolves.toBeUndefined();
    expect(await versionsOf(10)).toEqual({ "1.2.0": 10 });
  }, 30_000);
});
