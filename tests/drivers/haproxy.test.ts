import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import { haproxyBinary, haproxySplitter, runtimeCommand } from "@/lib/drivers/proxy/haproxy";
import { until } from "../support/wait";

// Real HAProxy (Debian package `haproxy`, installed by .ci/run) in front of two real HTTP upstreams
// that answer their name; a keep-alive client in this process keeps constant load through it.
// Ports: this file uses 4700-4779 (haproxy-driver.test.ts 4780-4799).

const dir = mkdtempSync(path.join(tmpdir(), "fd-hap-"));
const servers: http.Server[] = [];
const pids: number[] = [];

/** A free port in [from, to] (another run may hold one). */
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

async function upstream(name: string, from: number): Promise<number> {
  const port = await freePort(from, from + 9);
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(name);
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

const haproxyPid = async (socket: string) => Number(/^Pid: (\d+)$/m.exec(await runtimeCommand(socket, "show info"))?.[1]);

beforeAll(() => {
  // Fails with the install hint rather than skipping when HAProxy is missing.
  haproxyBinary();
});

afterAll(async () => {
  // haproxy and the collector of every splitter, even when a test failed half way.
  for (const name of ["load", "supervised", "refusals", "blocked", "sticky"]) await haproxySplitter({ name, listenPort: 4700, dataDir: dir }).stop();
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already stopped
    }
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.closeAllConnections() ?? s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe("HAProxy splitter under constant load (issue 13 done-when)", () => {
  it("100 weight changes over the runtime API: 0 failed requests, held weights split within ±2%, proxy counts equal the client's", async () => {
    const stablePort = await upstream("stable", 4700);
    const canaryPort = await upstream("canary", 4710);
    const listenPort = await freePort(4720, 4739);
    const { sqlite } = openDatabase(path.join(dir, "metrics.db"));
    const splitter = haproxySplitter({ name: "load", listenPort, dataDir: dir, metrics: { dbFile: path.join(dir, "metrics.db"), serviceId: 7, environmentId: 3 } });
    await splitter.ensure({ stable: { host: "127.0.0.1", port: stablePort, version: "1.0.0" }, canary: { host: "localhost", port: canaryPort, version: "1.1.0" } });
    pids.push(await haproxyPid(splitter.socketPath));
    await splitter.setWeight(0);

    // Closed-loop load: 16 keep-alive connections, each request tagged with the phase it was sent in.
    const pool = new Pool(`http://127.0.0.1:${listenPort}`, { connections: 16, keepAliveTimeout: 60_000 });
    let phase = 0;
    let running = true;
    const perPhase: { stable: number; canary: number }[] = [{ stable: 0, canary: 0 }];
    const totals = { stable: 0, canary: 0, failed: 0 };
    const failures: string[] = [];
    const startedAt = performance.now();
    const worker = async () => {
      while (running) {
        const sentIn = phase;
        try {
          const res = await pool.request({ path: "/api/x", method: "GET" });
          const body = await res.body.text();
          if (res.statusCode !== 200 || (body !== "stable" && body !== "canary")) throw new Error(`status ${res.statusCode}: ${body.slice(0, 80)}`);
          totals[body]++;
          perPhase[sentIn]![body]++;
        } catch (err) {
          totals.failed++;
          if (failures.length < 5) failures.push((err as Error).message);
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    const countIn = (p: number) => perPhase[p]!.stable + perPhase[p]!.canary;

    // 100 changes cycling 0..100; four of them are held for 10,000 requests and measured.
    const cycle = [0, 10, 25, 50, 75, 100, 90, 50, 5, 33];
    const held = new Map([
      [12, 10],
      [23, 25],
      [43, 50],
      [76, 90],
    ]);
    const measured: { weight: number; n: number; canaryShare: number }[] = [];
    const extremes: { weight: number; stable: number; canary: number }[] = [];
    for (let i = 1; i <= 100; i++) {
      const weight = held.get(i) ?? cycle[i % cycle.length]!;
      await splitter.setWeight(weight);
      // Requests sent from here on see the new weight (HAProxy applies `set map` before it answers).
      perPhase.push({ stable: 0, canary: 0 });
      phase = i;
      const want = held.has(i) ? 10_000 : 150;
      await until(() => (countIn(i) >= want ? true : undefined), 60_000);
      const p = perPhase[i]!;
      if (held.has(i)) measured.push({ weight, n: countIn(i), canaryShare: (100 * p.canary) / countIn(i) });
      if (weight === 0 || weight === 100) extremes.push({ weight, ...p });
    }
    running = false;
    await Promise.all(workers);
    const seconds = (performance.now() - startedAt) / 1000;
    await pool.close();
    const sent = totals.stable + totals.canary + totals.failed;
    console.log(`haproxy load: ${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)} req/s), held weights ${JSON.stringify(measured)}`);

    expect(failures).toEqual([]);
    expect(totals.failed).toBe(0);
    for (const m of measured) expect(Math.abs(m.canaryShare - m.weight), `weight ${m.weight}: ${m.canaryShare.toFixed(2)}% on the canary`).toBeLessThanOrEqual(2);
    // At 0 and 100 the split is exact, also right after the change.
    for (const e of extremes) expect(e.weight === 0 ? e.canary : e.stable).toBe(0);

    // The proxy's own per-variant numbers equal the client's (within 1%; in practice exactly).
    const stats = await splitter.stats();
    expect(stats.weight).toBe(cycle[100 % cycle.length]);
    const within1 = (proxy: number, client: number) => expect(Math.abs(proxy - client)).toBeLessThanOrEqual(Math.max(1, client * 0.01));
    within1(stats.stable.requests, totals.stable);
    within1(stats.canary.requests, totals.canary);
    expect(stats.stable.errors5xx + stats.canary.errors5xx).toBe(0);

    // The per-second samples for the builtin analysis (metric_samples, as the router writes them) add up to the same counts.
    const sums = () =>
      sqlite.prepare("SELECT variant, version, sum(requests) AS n, sum(errors_5xx) AS e FROM metric_samples WHERE service_id = 7 AND environment_id = 3 GROUP BY variant, version ORDER BY variant").all() as {
        variant: string;
        version: string;
        n: number;
        e: number;
      }[];
    const rows = await until(() => {
      const r = sums();
      return r.reduce((s, x) => s + x.n, 0) >= totals.stable + totals.canary ? r : undefined;
    }, 30_000).catch(() => sums());
    console.log(`metric_samples: ${JSON.stringify(rows)} client: ${JSON.stringify(totals)}`);
    expect(rows.map((r) => [r.variant, r.version])).toEqual([
      ["baseline", "1.0.0"],
      ["canary", "1.1.0"],
    ]);
    within1(rows[0]!.n, totals.stable);
    within1(rows[1]!.n, totals.canary);
    const hist = sqlite.prepare("SELECT count(*) AS n FROM metric_samples WHERE service_id = 7 AND latency_hist IS NOT NULL").get() as { n: number };
    expect(hist.n).toBeGreaterThan(0);
    sqlite.close();
    await splitter.stop();
  }, 120_000);
});

describe("HAProxy splitter supervision and refusals", () => {
  it("a dead haproxy's socket refuses with a clear message; reconcile restarts it with the recorded split; a second splitter adopts it", async () => {
    const stablePort = await upstream("stable", 4740);
    const canaryPort = await upstream("canary", 4750);
    const listenPort = await freePort(4760, 4769);
    const splitter = haproxySplitter({ name: "supervised", listenPort, dataDir: dir });
    await splitter.ensure({ stable: { host: "127.0.0.1", port: stablePort }, canary: { host: "127.0.0.1", port: canaryPort } });
    await splitter.setWeight(100);
    const first = await haproxyPid(splitter.socketPath);
    pids.push(first);
    const body = async () => (await (await fetch(`http://127.0.0.1:${listenPort}/`)).text());
    expect(await body()).toBe("canary");

    // Adopted, not started twice.
    const again = haproxySplitter({ name: "supervised", listenPort, dataDir: dir });
    await again.ensure({ stable: { host: "127.0.0.1", port: stablePort }, canary: { host: "127.0.0.1", port: canaryPort } });
    expect(await haproxyPid(again.socketPath)).toBe(first);

    process.kill(first, "SIGKILL");
    await until(() => (splitter.running().then((up) => (up ? undefined : true))), 10_000);
    await expect(splitter.setWeight(50)).rejects.toThrow(/HAProxy runtime API at .*supervised\.sock refused the connection \(nothing listens on it: haproxy stopped or crashed\)/);
    await expect(splitter.stats()).rejects.toThrow(/refused the connection/);

    const repairs = await splitter.reconcile();
    expect(repairs.join("\n")).toMatch(/restarted on port \d+; split restored from its state file \(canary weight 50%\)/);
    const second = await haproxyPid(splitter.socketPath);
    pids.push(second);
    expect(second).not.toBe(first);
    expect((await splitter.stats()).weight).toBe(50);
    expect(await splitter.reconcile()).toEqual([]);

    // A split mode the runtime API cannot change (sticky by cookie now): a graceful reload, the split kept.
    const sticky = haproxySplitter({ name: "supervised", listenPort, dataDir: dir, sticky: { cookie: "session" } });
    await sticky.ensure({ stable: { host: "127.0.0.1", port: stablePort }, canary: { host: "127.0.0.1", port: canaryPort } });
    const third = await haproxyPid(sticky.socketPath);
    pids.push(third);
    expect(third).not.toBe(second);
    expect(readFileSync(sticky.configPath, "utf8")).toContain("req.cook(session),xxh32,mod(100)");
    expect((await sticky.stats()).weight).toBe(50);
    const withCookie = async (v: string) => (await (await fetch(`http://127.0.0.1:${listenPort}/`, { headers: { cookie: `session=${v}` } })).text());
    for (const user of ["ann", "bob", "cyd"]) expect(new Set(await Promise.all(Array.from({ length: 20 }, () => withCookie(user)))).size).toBe(1);
    expect(await sticky.reconcile()).toEqual([]);

    // Without a canary all traffic goes to stable, whatever the recorded weight.
    await splitter.ensure({ stable: { host: "127.0.0.1", port: stablePort }, canary: null });
    const seen = new Set(await Promise.all(Array.from({ length: 40 }, body)));
    expect([...seen]).toEqual(["stable"]);
    await splitter.stop();
    expect(await splitter.running()).toBe(false);
  }, 60_000);

  it("refuses bad input without touching anything: weight out of range, an unresolvable host, an injected sticky name, a port already taken", async () => {
    const splitter = haproxySplitter({ name: "refusals", listenPort: await freePort(4770, 4774), dataDir: dir });
    await expect(splitter.setWeight(50)).rejects.toThrow(/has no upstreams yet: deploy before setting a weight/);
    await expect(splitter.ensure({ stable: { host: "no-such-host.invalid", port: 80 }, canary: null })).rejects.toThrow(/"no-such-host\.invalid" does not resolve/);
    expect(splitter.state()).toBeNull();
    expect(() => haproxySplitter({ name: "x", listenPort: 4790, dataDir: dir, sticky: { header: "x-user\n  server evil" } })).toThrow(/not a valid header name/);
    // A port another process listens on: haproxy's own reason comes back.
    const taken = net.createServer();
    const port = await freePort(4775, 4779);
    await new Promise<void>((r) => taken.listen(port, "127.0.0.1", r));
    const blocked = haproxySplitter({ name: "blocked", listenPort: port, dataDir: dir });
    await expect(blocked.ensure({ stable: { host: "127.0.0.1", port: 9 }, canary: null })).rejects.toThrow(new RegExp(`HAProxy for "blocked" did not start on port ${port}: .*(bind|Address already in use)`));
    expect(blocked.state()).toBeNull();
    await new Promise((r) => taken.close(r));
    await expect(splitter.setWeight(101)).rejects.toThrow(/whole number from 0 to 100/);
  }, 30_000);

  it("sticky header: each key stays on one variant across 1,000 requests; keys split near the weight", async () => {
    const stablePort = await upstream("stable", 4700);
    const canaryPort = await upstream("canary", 4710);
    const listenPort = await freePort(4720, 4739);
    const splitter = haproxySplitter({ name: "sticky", listenPort, dataDir: dir, sticky: { header: "x-user" } });
    await splitter.ensure({ stable: { host: "127.0.0.1", port: stablePort }, canary: { host: "127.0.0.1", port: canaryPort } });
    pids.push(await haproxyPid(splitter.socketPath));
    await splitter.setWeight(50);
    const pool = new Pool(`http://127.0.0.1:${listenPort}`, { connections: 8 });
    const variantOf = new Map<string, Set<string>>();
    let i = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (i < 1000) {
          const user = `user-${i++ % 200}`;
          const res = await pool.request({ path: "/", method: "GET", headers: { "x-user": user } });
          const v = await res.body.text();
          variantOf.set(user, (variantOf.get(user) ?? new Set()).add(v));
        }
      }),
    );
    await pool.close();
    expect([...variantOf.values()].every((s) => s.size === 1)).toBe(true);
    const onCanary = [...variantOf.values()].filter((s) => s.has("canary")).length;
    expect(onCanary).toBeGreaterThan(60); // of 200 keys at 50%: far from all-or-nothing
    expect(onCanary).toBeLessThan(140);
    await splitter.stop();
  }, 60_000);
});
