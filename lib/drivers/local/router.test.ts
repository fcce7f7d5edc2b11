import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import { expectWeightedSplit } from "@/tests/support/split";
import { versionsSeen } from "@/tests/support/traffic";

// Real processes on loopback: two sample-service versions behind the router.
const dir = mkdtempSync(path.join(tmpdir(), "fd-router-"));
const dbFile = path.join(dir, "fd.db");
const stateFile = path.join(dir, "router.json");
const BASE = 12_000 + Math.floor(Math.random() * 500) * 4;
const [STABLE, CANARY, ROUTER, ADMIN] = [BASE, BASE + 1, BASE + 2, BASE + 3];
const procs: ChildProcess[] = [];

function start(script: string, env: Record<string, string>) {
  const p = spawn(process.execPath, [path.resolve("lib/drivers/local", script)], { env: { ...process.env, ...env }, stdio: "ignore" });
  procs.push(p);
  return p;
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not ready
    }
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const apply = async (body: unknown) =>
  (await (await fetch(`http://127.0.0.1:${ADMIN}/apply`, { method: "POST", body: JSON.stringify(body) })).json()) as { applied: boolean; duplicate: boolean };

function startRouter() {
  return start("router.mjs", {
    ROUTER_PORT: String(ROUTER),
    ROUTER_ADMIN_PORT: String(ADMIN),
    ROUTER_STATE: stateFile,
    FLIGHTDECK_DB: dbFile,
    ROUTER_SERVICE_ID: "1",
    ROUTER_ENVIRONMENT_ID: "2",
  });
}

beforeAll(async () => {
  openDatabase(dbFile).sqlite.close(); // migrations create metric_samples
  start("sample-service.mjs", { PORT: String(STABLE), VERSION: "1.0.0", SAMPLE_LATENCY_MS: "1" });
  start("sample-service.mjs", { PORT: String(CANARY), VERSION: "1.1.0-bad", SAMPLE_LATENCY_MS: "1", SAMPLE_ERROR_RATE: "0.5" });
  startRouter();
  await until(async () => ((await fetch(`http://127.0.0.1:${ADMIN}/state`)).ok ? true : undefined));
  await until(async () => ((await fetch(`http://127.0.0.1:${STABLE}/health`)).ok && (await fetch(`http://127.0.0.1:${CANARY}/health`)).ok ? true : undefined));
}, 30_000);

afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
});

const versionsOf = (n: number) => versionsSeen(ROUTER, n);

describe("local router", () => {
  it("splits real traffic by weight and measures it per variant in SQLite, equal to what the client saw", async () => {
    expect(await apply({ opId: "t1", stable: { version: "1.0.0", port: STABLE }, canary: { version: "1.1.0-bad", port: CANARY }, weight: 25 })).toMatchObject({
      applied: true,
    });
    const seen = await versionsOf(400);
    const canaryAnswers = expectWeightedSplit(seen, { stable: "1.0.0", canary: "1.1.0-bad", weight: 25 });
    const stableAnswers = seen["1.0.0"] ?? 0;
    const { sqlite } = openDatabase(dbFile);
    const rows = await until(() => {
      const r = sqlite.prepare("SELECT variant, sum(requests) AS n, sum(errors_5xx) AS e FROM metric_samples GROUP BY variant ORDER BY variant").all() as {
        variant: string;
        n: number;
        e: number;
      }[];
      return r.reduce((s, x) => s + x.n, 0) >= 400 ? r : undefined;
    });
    sqlite.close();
    expect(rows.find((r) => r.variant === "baseline")).toMatchObject({ n: stableAnswers, e: 0 });
    const canary = rows.find((r) => r.variant === "canary")!;
    expect(canary.n).toBe(canaryAnswers);
    expect(canary.e).toBeGreaterThan(canaryAnswers * 0.2); // 50% configured failure rate
  });

  it("applies an operation id once: a replay is acknowledged, not executed", async () => {
    expect(await apply({ opId: "t2", weight: 50 })).toMatchObject({ applied: true });
    expect(await apply({ opId: "t2", weight: 50 })).toMatchObject({ applied: false, duplicate: true });
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as { ops: { opId: string }[]; weight: number };
    expect(state.weight).toBe(50);
    expect(state.ops.filter((o) => o.opId === "t2")).toHaveLength(1);
  });

  it("keeps its split across a crash (kill -9) and restart", async () => {
    const router = procs[2]!;
    router.kill("SIGKILL");
    await new Promise((r) => router.once("exit", r));
    startRouter();
    const state = await until(async () => (await (await fetch(`http://127.0.0.1:${ADMIN}/state`)).json()) as { weight: number });
    expect(state.weight).toBe(50);
    expectWeightedSplit(await versionsOf(200), { stable: "1.0.0", canary: "1.1.0-bad", weight: 50 });
  });

  it("sends everything to stable at weight 0 and rejects an invalid weight", async () => {
    expect(await apply({ opId: "t3", weight: 0 })).toMatchObject({ applied: true });
    expect(await versionsOf(50)).toEqual({ "1.0.0": 50 });
    const bad = await fetch(`http://127.0.0.1:${ADMIN}/apply`, { method: "POST", body: JSON.stringify({ opId: "t4", weight: 101 }) });
    expect(bad.status).toBe(400);
  });

  it("proxies faithfully: request bodies, repeated headers, status codes, and a large body read slowly (backpressure)", async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, "x");
    const upstream = http.createServer((req, res) => {
      if (req.url === "/big") {
        res.writeHead(200, { "content-type": "application/octet-stream", "set-cookie": ["a=1", "b=2"] });
        res.end(big);
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(201, { "content-type": "text/plain", "x-seen-method": req.method ?? "" });
        res.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => upstream.listen(BASE + 900, "127.0.0.1", r));
    try {
      expect(await apply({ opId: "t5", stable: { version: "echo", port: BASE + 900 }, weight: 0 })).toMatchObject({ applied: true });
      const posted = await fetch(`http://127.0.0.1:${ROUTER}/echo`, { method: "POST", body: "hello through the router" });
      expect(posted.status).toBe(201);
      expect(posted.headers.get("x-seen-method")).toBe("POST");
      expect(await posted.text()).toBe("hello through the router");

      // A slow reader: the router must pause the upstream and resume it, and lose nothing.
      const got = await new Promise<{ bytes: number; cookies: string[] }>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: ROUTER, path: "/big" }, (res) => {
          let bytes = 0;
          res.on("data", (c: Buffer) => {
            bytes += c.length;
            res.pause();
            setTimeout(() => res.resume(), 1);
          });
          res.on("end", () => resolve({ bytes, cookies: res.headers["set-cookie"] ?? [] }));
          res.on("error", reject);
        });
      });
      expect(got).toEqual({ bytes: big.length, cookies: ["a=1", "b=2"] });
    } finally {
      upstream.close();
    }
  }, 30_000);
});

