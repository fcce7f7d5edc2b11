import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import { createLocalDriver } from "@/lib/drivers/local/driver";
import type { DriverTarget } from "@/lib/drivers/types";
import { until } from "@/tests/support/wait";

// The embedded router's split (issue 13 item 5; REQUIREMENTS H1, H7), on real processes and real
// HTTP: two sample-service versions behind router.mjs. Port block of this file: 4600-4699.
const dir = mkdtempSync(path.join(tmpdir(), "fd-split-"));
const stateFile = path.join(dir, "router.json");
const [STABLE, CANARY, ROUTER, ADMIN] = [4600, 4601, 4602, 4603];
const procs: ChildProcess[] = [];
let router: ChildProcess;

function start(script: string, env: Record<string, string>) {
  const p = spawn(process.execPath, [path.resolve("lib/drivers/local", script)], { env: { ...process.env, ...env }, stdio: "ignore" });
  procs.push(p);
  return p;
}

// A fixed seed makes the random draws of this file reproducible; the split is still a weighted draw
// per request, so the counts below are what any client would see.
const startRouter = () => (router = start("router.mjs", { ROUTER_PORT: String(ROUTER), ROUTER_ADMIN_PORT: String(ADMIN), ROUTER_STATE: stateFile, ROUTER_SPLIT_SEED: "13" }));

async function apply(body: Record<string, unknown>) {
  const res = await fetch(`http://127.0.0.1:${ADMIN}/apply`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const routerState = async () => (await (await fetch(`http://127.0.0.1:${ADMIN}/state`)).json()) as { weight: number; sticky?: unknown };

/** One request through the router; the version that answered (sample-service's x-version header). */
async function versionOf(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${ROUTER}${url}`, { headers });
  await res.arrayBuffer();
  return res.headers.get("x-version") ?? `status ${res.status}`;
}

/** `n` keys' versions after `rounds` requests each, interleaved; a key that saw two versions throws. */
async function versionsByKey(keys: string[], rounds: number, send: (key: string) => Promise<string>): Promise<Map<string, string>> {
  const seen = new Map<string, Set<string>>(keys.map((k) => [k, new Set()]));
  for (let r = 0; r < rounds; r++) for (const k of keys) seen.get(k)!.add(await send(k));
  const out = new Map<string, string>();
  for (const [k, versions] of seen) {
    expect([...versions], `key ${k} saw ${[...versions].join(" and ")}`).toHaveLength(1);
    out.set(k, [...versions][0]!);
  }
  return out;
}
const onCanary = (m: Map<string, string>) => [...m].filter(([, v]) => v === "1.1.0").map(([k]) => k);

beforeAll(async () => {
  start("sample-service.mjs", { PORT: String(STABLE), VERSION: "1.0.0", SAMPLE_LATENCY_MS: "0" });
  start("sample-service.mjs", { PORT: String(CANARY), VERSION: "1.1.0", SAMPLE_LATENCY_MS: "0" });
  startRouter();
  await until(async () => ((await fetch(`http://127.0.0.1:${ADMIN}/state`)).ok ? true : undefined), 30_000, { retryOnError: true });
  await until(async () => ((await fetch(`http://127.0.0.1:${STABLE}/health`)).ok && (await fetch(`http://127.0.0.1:${CANARY}/health`)).ok ? true : undefined), 30_000, {
    retryOnError: true,
  });
  const r = await apply({ opId: "s1", stable: { version: "1.0.0", port: STABLE }, canary: { version: "1.1.0", port: CANARY }, weight: 50 });
  expect(r.status).toBe(200);
}, 60_000);

afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
});

describe("embedded router: weighted random split (default)", () => {
  it("at 50%, a client loading pages as document + API call gets 50% ± 8% of each kind on the canary", async () => {
    const pairs = 400;
    let documents = 0;
    let apiCalls = 0;
    let mixedPages = 0;
    for (let i = 0; i < pairs; i++) {
      const doc = await versionOf("/");
      const api = await versionOf("/api/x");
      if (doc === "1.1.0") documents++;
      if (api === "1.1.0") apiCalls++;
      if (doc !== api) mixedPages++;
    }
    console.log(`split at 50%: documents ${documents}/${pairs} on the canary, API calls ${apiCalls}/${pairs}, pages mixing versions ${mixedPages}/${pairs}`);
    for (const n of [documents, apiCalls]) {
      expect(n).toBeGreaterThanOrEqual(pairs * 0.42);
      expect(n).toBeLessThanOrEqual(pairs * 0.58);
    }
  }, 120_000);

  it("sends nothing to the canary at 0% and everything at 100%", async () => {
    expect((await apply({ opId: "s2", weight: 0 })).status).toBe(200);
    const at0 = await Promise.all(Array.from({ length: 50 }, () => versionOf("/api/x")));
    expect(new Set(at0)).toEqual(new Set(["1.0.0"]));
    expect((await apply({ opId: "s3", weight: 100 })).status).toBe(200);
    const at100 = await Promise.all(Array.from({ length: 50 }, () => versionOf("/api/x")));
    expect(new Set(at100)).toEqual(new Set(["1.1.0"]));
  });
});

describe("embedded router: sticky split by a header or cookie", () => {
  const keys = Array.from({ length: 50 }, (_, i) => `user-${i + 1}`);

  it("keeps each of 50 keys on one version across 1,000 requests; requests without the key are still split", async () => {
    expect((await apply({ opId: "k1", sticky: { header: "x-user-id" }, weight: 50 })).status).toBe(200);
    expect((await routerState()).sticky).toEqual({ header: "x-user-id" });
    const byKey = await versionsByKey(keys, 20, (k) => versionOf(k.endsWith("0") ? "/" : "/api/x", { "x-user-id": k }));
    const canaryKeys = onCanary(byKey).length;
    console.log(`sticky at 50%: ${canaryKeys}/50 keys on the canary, each on one version for 20 requests`);
    expect(canaryKeys).toBeGreaterThan(10); // both versions get users
    expect(canaryKeys).toBeLessThan(40);

    const anonymous = await Promise.all(Array.from({ length: 100 }, () => versionOf("/api/x")));
    expect(new Set(anonymous)).toEqual(new Set(["1.0.0", "1.1.0"]));
  }, 120_000);

  it("is monotonic: as the weight grows 10 -> 50 -> 90, keys only move from stable to the canary", async () => {
    const many = Array.from({ length: 200 }, (_, i) => `account-${i * 7919}`);
    const shares: number[] = [];
    let before = new Set<string>();
    for (const [i, weight] of [10, 50, 90].entries()) {
      expect((await apply({ opId: `m${i}`, weight })).status).toBe(200);
      const now = new Set(onCanary(await versionsByKey(many, 2, (k) => versionOf("/api/x", { "x-user-id": k }))));
      for (const k of before) expect(now.has(k), `${k} left the canary when the weight grew to ${weight}%`).toBe(true);
      shares.push(now.size);
      before = now;
    }
    console.log(`sticky keys on the canary at 10/50/90%: ${shares.map((n) => `${n}/200`).join(", ")}`);
    // Consistent hashing spreads keys by the weight (binomial bounds far beyond chance).
    expect(shares[0]).toBeGreaterThanOrEqual(5);
    expect(shares[0]).toBeLessThanOrEqual(40);
    expect(shares[1]).toBeGreaterThanOrEqual(75);
    expect(shares[1]).toBeLessThanOrEqual(125);
    expect(shares[2]).toBeGreaterThanOrEqual(160);
    expect(shares[2]).toBeLessThanOrEqual(195);
  }, 120_000);

  it("by cookie: the named cookie among others keeps its user on one version, also across a router restart (kill -9)", async () => {
    expect((await apply({ opId: "c1", sticky: { cookie: "fd_user" }, weight: 50 })).status).toBe(200);
    const send = (k: string) => versionOf("/api/x", { cookie: `theme=dark; fd_user=${k}; lang=en` });
    const first = await versionsByKey(keys, 4, send);
    expect(onCanary(first).length).toBeGreaterThan(10);
    expect(onCanary(first).length).toBeLessThan(40);

    router.kill("SIGKILL");
    await new Promise((r) => router.once("exit", r));
    startRouter();
    const restored = await until(async () => await routerState(), 30_000, { retryOnError: true });
    expect(restored.sticky).toEqual({ cookie: "fd_user" });
    expect(await versionsByKey(keys, 2, send)).toEqual(first);
  }, 120_000);

  it("refuses a malformed sticky setting and changes nothing", async () => {
    const before = await routerState();
    for (const sticky of [{ header: "x user" }, { query: "u" }, { header: "a", cookie: "b" }, "x-user-id"]) {
      const r = await apply({ opId: `bad-${JSON.stringify(sticky)}`, sticky, weight: 10 });
      expect(r.status).toBe(400);
    }
    const after = await routerState();
    expect(after.sticky).toEqual(before.sticky);
    expect(after.weight).toBe(before.weight);
  });

  it("sticky: null returns to the random split", async () => {
    expect((await apply({ opId: "n1", sticky: null, weight: 50 })).status).toBe(200);
    const oneKey = await Promise.all(Array.from({ length: 60 }, () => versionOf("/api/x", { cookie: "fd_user=user-1", "x-user-id": "user-1" })));
    expect(new Set(oneKey)).toEqual(new Set(["1.0.0", "1.1.0"]));
  });
});

describe("local driver passes the service's sticky setting to its router", () => {
  // Router of environment 1 on 4650 (control 4651), versions on 4660/4661.
  const dataDir = mkdtempSync(path.join(tmpdir(), "fd-split-driver-"));
  const dbFile = path.join(dataDir, "fd.db");
  const target: DriverTarget = { serviceId: 1, serviceName: "sample-api", environmentId: 1, environmentName: "staging" };
  const base = { entry: "sample-service", routerPort: 4650, healthPath: "/health" };

  afterAll(() => {
    const file = path.join(dataDir, "local-driver", "sample-api-staging", "supervision.json");
    if (!existsSync(file)) return;
    const s = JSON.parse(readFileSync(file, "utf8")) as Record<string, { pid: number } | null>;
    for (const p of [s.router, s.stable, s.canary]) {
      try {
        if (p) process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  it("on every operation: set by one step, cleared by the next after the target drops it", async () => {
    openDatabase(dbFile).sqlite.close();
    const state = async () => (await (await fetch("http://127.0.0.1:4651/state")).json()) as { weight: number; sticky?: unknown };
    const sticky = createLocalDriver({ ...base, sticky: { header: "x-user-id" } }, { dataDir, dbFile });
    await sticky.deploy(target, { opId: "d1", version: "1.0.0", stableVersion: null });
    await sticky.deploy(target, { opId: "d2", version: "1.1.0", stableVersion: "1.0.0" });
    await sticky.setWeight(target, { opId: "d2:w50", weight: 50 });
    expect(await state()).toMatchObject({ weight: 50, sticky: { header: "x-user-id" } });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await fetch("http://127.0.0.1:4650/api/x", { headers: { "x-user-id": "same-user" } });
      await res.arrayBuffer();
      seen.add(res.headers.get("x-version") ?? String(res.status));
    }
    expect(seen.size).toBe(1);

    const plain = createLocalDriver(base, { dataDir, dbFile });
    await plain.setWeight(target, { opId: "d2:w60", weight: 60 });
    expect(await state()).toMatchObject({ weight: 60, sticky: null });
  }, 60_000);
});
