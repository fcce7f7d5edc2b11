import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import { deployTargetJsonSchema, deployTargetSchema } from "@/lib/domain/deploy-target";
import { createProxyDriver } from "@/lib/drivers/proxy/driver";
import { createBuiltinProvider } from "@/lib/metrics/builtin";
import { haproxySplitter } from "@/lib/drivers/proxy/haproxy";
import type { DriverTarget } from "@/lib/drivers/types";
import { until } from "../support/wait";

// The `proxy` deploy driver: real HAProxy in front of two upstream slots (real HTTP servers in this
// process whose version an outside CD would set). Ports 4780-4799 (haproxy.test.ts uses 4700-4779).

const dir = mkdtempSync(path.join(tmpdir(), "fd-hapd-"));
const servers: http.Server[] = [];

async function freePort(from: number, to: number): Promise<number> {
  for (let p = from; p <= to; p++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(p, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free) return p;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

/** An upstream slot: answers its current version on every path, JSON on /health. */
async function slot(from: number, to: number) {
  const state = { version: "none", healthy: true };
  const port = await freePort(from, to);
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === "/health") {
      res.writeHead(state.healthy ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ version: state.version }));
      return;
    }
    res.end(state.version);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  servers.push(server);
  return { state, url: `http://127.0.0.1:${port}` };
}

afterAll(async () => {
  // Stops haproxy and its collector even when a test failed half way.
  await haproxySplitter({ name: "api-production", listenPort: 4790, dataDir: dir }).stop();
  await Promise.all(servers.map((s) => new Promise((r) => s.closeAllConnections() ?? s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe("proxy deploy target (validated config)", () => {
  it("accepts a listen port, two http upstreams and an optional sticky key", () => {
    const t = deployTargetSchema.parse({ driver: "proxy", listenPort: 8080, stable: "http://10.0.0.5:3000", canary: "http://10.0.0.6:3000", sticky: { cookie: "session" } });
    expect(t).toMatchObject({ driver: "proxy", healthPath: "/health", sticky: { cookie: "session" } });
  });

  it.each([
    [{ stable: "https://10.0.0.5:3000" }, "stable", "Stable upstream must be an http:// URL with a host and a port, such as http://10.0.0.5:3000 (no path)."],
    [{ canary: "http://10.0.0.6:3000/app" }, "canary", "Canary upstream must be an http:// URL with a host and a port, such as http://10.0.0.5:3000 (no path)."],
    [{ canary: "http://10.0.0.5:3000" }, "canary", "Canary upstream must differ from the stable upstream."],
    [{ listenPort: 80 }, "listenPort", "Port must be 1024 or above."],
  ])("refuses %j with the field's own words", (change, field, message) => {
    const r = deployTargetSchema.safeParse({ driver: "proxy", listenPort: 8080, stable: "http://10.0.0.5:3000", canary: "http://10.0.0.6:3000", ...change });
    expect(r.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([[field, message]]);
    // In the service form the JSON field's error names the place.
    const text = deployTargetJsonSchema.safeParse(JSON.stringify({ driver: "proxy", listenPort: 8080, stable: "http://10.0.0.5:3000", canary: "http://10.0.0.6:3000", ...change }));
    expect(text.error?.issues[0]?.message).toMatch(new RegExp(`^[A-Z][a-z ]+: ${message.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`));
  });
});

describe("proxy driver (real HAProxy)", () => {
  it("deploys into the free slot at 0%, shifts weight, promotes by repointing stable (slots alternate), rolls back to 0%", async () => {
    const a = await slot(4780, 4784);
    const b = await slot(4785, 4789);
    const listenPort = await freePort(4790, 4794);
    const dbFile = path.join(dir, "flightdeck.db");
    openDatabase(dbFile).sqlite.close();
    const driver = createProxyDriver({ listenPort, stable: a.url, canary: b.url, healthPath: "/health" }, { dataDir: dir, dbFile });
    const t: DriverTarget = { serviceId: 1, serviceName: "api", environmentId: 2, environmentName: "production" };
    const seen = async (n: number) => {
      const out: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const v = await (await fetch(`http://127.0.0.1:${listenPort}/x`)).text();
        out[v] = (out[v] ?? 0) + 1;
      }
      return out;
    };

    const startedAt = Date.now();
    a.state.version = "1.0.0";
    await driver.deploy(t, { opId: "1", version: "1.0.0", stableVersion: null });
    expect(await seen(20)).toEqual({ "1.0.0": 20 });

    // The canary slot must serve the version being deployed: refused otherwise, nothing changes.
    b.state.version = "0.9.0";
    await expect(driver.deploy(t, { opId: "2", version: "1.1.0", stableVersion: "1.0.0" })).rejects.toThrow(`The canary upstream ${b.url} serves version 0.9.0, not 1.1.0: deploy 1.1.0 there first.`);
    b.state.version = "1.1.0";
    b.state.healthy = false;
    await expect(driver.deploy(t, { opId: "2", version: "1.1.0", stableVersion: "1.0.0" })).rejects.toThrow(/is not healthy on \/health \(HTTP 503\)/);
    expect((await driver.status(t)).versions.map((v) => v.role)).toEqual(["stable"]);
    b.state.healthy = true;

    await driver.deploy(t, { opId: "2", version: "1.1.0", stableVersion: "1.0.0" });
    expect(await seen(20)).toEqual({ "1.0.0": 20 });
    await driver.setWeight(t, { opId: "3", weight: 100 });
    expect(await seen(20)).toEqual({ "1.1.0": 20 });
    await driver.setWeight(t, { opId: "4", weight: 50 });
    const half = await seen(200);
    expect(half["1.1.0"]).toBeGreaterThan(60);
    expect(half["1.0.0"]).toBeGreaterThan(60);
    const status = await driver.status(t);
    expect(status.weight).toBe(50);
    expect(status.versions.map((v) => [v.role, v.version, v.healthy])).toEqual([
      ["stable", "1.0.0", true],
      ["canary", "1.1.0", true],
    ]);
    expect(await driver.variantUrl(t, "canary")).toBe(b.url);

    await driver.promote(t, { opId: "5", version: "1.1.0" });
    // metric_samples holds one row per second and variant: the relabelled stable starts in a new second.
    const second = Math.floor(Date.now() / 1000);
    await until(() => (Math.floor(Date.now() / 1000) > second ? true : undefined));
    expect(await seen(20)).toEqual({ "1.1.0": 20 });
    expect(await driver.variantUrl(t, "stable")).toBe(b.url);
    expect((await driver.status(t)).versions.map((v) => [v.role, v.version])).toEqual([["stable", "1.1.0"]]);
    await driver.promote(t, { opId: "5", version: "1.1.0" }); // repeated step: no change

    // The next version goes to the slot the promotion freed; rollback sends it nothing.
    a.state.version = "1.2.0";
    await driver.deploy(t, { opId: "6", version: "1.2.0", stableVersion: "1.1.0" });
    expect(await driver.variantUrl(t, "canary")).toBe(a.url);
    await driver.setWeight(t, { opId: "7", weight: 25 });
    await driver.rollback(t, { opId: "8", version: "1.2.0", stableVersion: "1.1.0" });
    expect(await seen(30)).toEqual({ "1.1.0": 30 });
    expect((await driver.status(t)).weight).toBe(0);

    // The per-variant samples reached the builtin analysis' table.
    const { db, sqlite } = openDatabase(dbFile);
    const rows = await until(() => {
      const r = sqlite.prepare("SELECT variant, version, sum(requests) AS n FROM metric_samples WHERE service_id = 1 AND environment_id = 2 GROUP BY variant, version ORDER BY variant, version").all() as { variant: string; version: string; n: number }[];
      return r.reduce((s, x) => s + x.n, 0) >= 310 ? r : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(sqlite.prepare("SELECT variant, version, sum(requests) AS n FROM metric_samples GROUP BY 1, 2").all())}`);
    });
    expect(rows.map((r) => `${r.variant} ${r.version}`)).toEqual(["baseline 1.0.0", "baseline 1.1.0", "canary 1.1.0"]);
    expect(rows.reduce((s, r) => s + r.n, 0)).toBe(310); // every request through the proxy, once
    // ...and the builtin analysis reads them as it reads the embedded router's: canary 1.1.0 against baseline 1.0.0.
    const snapshot = await createBuiltinProvider(db).snapshot({ target: t, canaryVersion: "1.1.0", baselineVersion: "1.0.0", windowSeconds: 600, at: Date.now() + 2000, stepStartedAt: startedAt });
    expect(snapshot.canary).toMatchObject({ requests: rows.find((r) => r.variant === "canary")!.n, error_rate: 0 });
    expect(snapshot.baseline).toMatchObject({ requests: rows.find((r) => r.version === "1.0.0")!.n, error_rate: 0 });
    expect(snapshot.canary!.p95_ms).toBeGreaterThanOrEqual(0);
    sqlite.close();

  }, 60_000);
});
