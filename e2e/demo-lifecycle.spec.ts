import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

// Issue 14, item 6, with real processes: `npm start` (scripts/start.mjs) on its own database in a
// temp directory, its own web port and router ports; kill -9 of next-server is followed by a
// restart and a log line; Ctrl-C says what keeps serving and how to stop it; `npm run stop`
// (scripts/stop.mjs) on the same database leaves no process of it running. The e2e suite's own
// server (port 3100, routers $E2E_ROUTER_PORT) is never touched: every process here is found by
// the temp directory in its command line or environment.
// Ports: web 3190; routers 4580 (staging), 4680 (production), each +1 control, +10/+11 versions.

const root = path.resolve(import.meta.dirname, "..");
const PORT = Number(process.env.E2E_DEMO_PORT ?? 3190);
const ROUTER_BASE = Number(process.env.E2E_DEMO_ROUTER_PORT ?? 4580);
const ROUTER_PORTS = [0, 100].flatMap((env) => [0, 1, 10, 11].map((d) => ROUTER_BASE + env + d));

interface Proc {
  pid: number;
  argv: string[];
  kind: "next-server" | "worker" | "router" | "sample-service" | "traffic" | "start" | "other";
}

const readProc = (pid: number, file: string): string[] | null => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8").split("\0").filter(Boolean);
  } catch {
    return null;
  }
};

const kindOf = (argv: string[]): Proc["kind"] => {
  const all = argv.join(" ");
  if (all.startsWith("next-server")) return "next-server";
  if (all.includes("scripts/worker.ts")) return "worker";
  if (all.includes("scripts/start.mjs")) return "start";
  for (const k of ["router", "sample-service", "traffic"] as const) if (all.includes(`lib/drivers/local/${k}.mjs`)) return k;
  return "other";
};

/** Every live process whose command line or environment names `dir` (as scripts/stop.mjs looks for its database). */
function processesOf(dir: string): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const argv = readProc(pid, "cmdline");
    if (!argv || argv.length === 0) continue; // gone, or a zombie waiting to be reaped
    const environ = readProc(pid, "environ") ?? [];
    if (argv.some((a) => a.includes(dir)) || environ.some((e) => e.includes(dir))) out.push({ pid, argv, kind: kindOf(argv) });
  }
  return out;
}

const count = (ps: Proc[], kind: Proc["kind"]) => ps.filter((p) => p.kind === kind).length;
const describe = (ps: Proc[]) => ps.map((p) => `${p.pid} ${p.kind}: ${p.argv.join(" ").slice(0, 120)}`).join("\n");

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${PORT}/api/health`)).ok;
  } catch {
    return false;
  }
}

test.describe("npm start, kill -9 of next-server, Ctrl-C, npm run stop", () => {
  // Start migrates and seeds a new database, starts next and the worker, which deploys the demo
  // service in two environments and starts its traffic: a minute or more on a busy machine.
  test.setTimeout(300_000);

  let dir = "";
  let start: ChildProcess | undefined;

  test.afterEach(() => {
    // Whatever happened, nothing of this run stays: start's process group, then every process of the temp directory.
    if (start?.pid && start.exitCode === null && start.signalCode === null) {
      try {
        process.kill(-start.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (dir) {
      for (const p of processesOf(dir)) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("restarts the web server, says what keeps serving on Ctrl-C, and stop leaves nothing running", async () => {
    const busy = [];
    for (const p of [PORT, ...ROUTER_PORTS]) if (!(await portFree(p))) busy.push(p);
    expect(busy, `ports in use (set E2E_DEMO_PORT / E2E_DEMO_ROUTER_PORT): ${busy.join(", ")}`).toEqual([]);

    dir = mkdtempSync(path.join(tmpdir(), "flightdeck-demo-lifecycle-"));
    const dbFile = path.join(dir, "flightdeck.db");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(PORT),
      FLIGHTDECK_DB: dbFile,
      FLIGHTDECK_DEMO: "1",
      FLIGHTDECK_DEMO_ROUTER_PORT: String(ROUTER_BASE),
      NEXTAUTH_URL: `http://localhost:${PORT}`,
    };
    // Not inherited from the e2e run: start.mjs keeps its own secret next to the database.
    delete env.NEXTAUTH_SECRET;

    let out = "";
    // Its own process group, like a terminal's foreground job: Ctrl-C signals the whole group.
    start = spawn(process.execPath, [path.join(root, "scripts", "start.mjs")], { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    start.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    start.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    const startExited = new Promise<number | null>((resolve) => start!.once("exit", (code) => resolve(code)));

    // Up: the URL printed and /api/health answering.
    await expect.poll(() => out, { timeout: 240_000, intervals: [500] }).toContain(`Flightdeck is running at http://localhost:${PORT}`);
    expect(out).toContain(`database: ${dbFile}`);
    await expect.poll(healthy, { timeout: 60_000, intervals: [500] }).toBe(true);

    // The demo's processes: web, worker, a router, a version and a traffic generator per environment.
    await expect
      .poll(
        () => {
          const ps = processesOf(dir);
          return { web: count(ps, "next-server"), worker: count(ps, "worker") > 0, routers: count(ps, "router"), versions: count(ps, "sample-service") >= 2, traffic: count(ps, "traffic") };
        },
        { timeout: 180_000, intervals: [1000] },
      )
      .toEqual({ web: 1, worker: true, routers: 2, versions: true, traffic: 2 });

    // kill -9 of next-server: start says so and restarts it; the site answers again.
    const web = processesOf(dir).find((p) => p.kind === "next-server")!;
    const before = out.length;
    process.kill(web.pid, "SIGKILL");
    await expect.poll(() => out.slice(before), { timeout: 30_000, intervals: [250] }).toMatch(/web server exited \(SIGKILL\); restarting it in 1 s/);
    await expect
      .poll(() => processesOf(dir).filter((p) => p.kind === "next-server" && p.pid !== web.pid).length, { timeout: 120_000, intervals: [500] })
      .toBe(1);
    await expect.poll(healthy, { timeout: 120_000, intervals: [500] }).toBe(true);
    expect(processesOf(dir).some((p) => p.pid === web.pid)).toBe(false);

    // Ctrl-C: web and worker stop; the message names what keeps serving and how to stop it.
    const beforeStop = out.length;
    process.kill(-start.pid!, "SIGINT");
    expect(await startExited).toBe(0);
    const message = out.slice(beforeStop);
    expect(message).toContain("Stopped the web server and the worker. Still serving: 2 routers");
    expect(message).toMatch(/service versions? and 2 traffic generators/);
    expect(message).toContain("Stop them with: npm run stop");
    const left = processesOf(dir);
    expect(count(left, "next-server") + count(left, "worker") + count(left, "start"), describe(left)).toBe(0);
    expect(count(left, "router"), describe(left)).toBe(2);
    expect(count(left, "traffic"), describe(left)).toBe(2);

    // npm run stop on the same database: nothing of it remains.
    const stop = spawnSync(process.execPath, [path.join(root, "scripts", "stop.mjs")], { cwd: root, env: { ...process.env, FLIGHTDECK_DB: dbFile }, encoding: "utf8" });
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/^Stopped 2 routers, \d+ service versions? and 2 traffic generators/);
    await expect.poll(() => describe(processesOf(dir)), { timeout: 30_000, intervals: [250] }).toBe("");

    // A second stop finds nothing.
    const again = spawnSync(process.execPath, [path.join(root, "scripts", "stop.mjs")], { cwd: root, env: { ...process.env, FLIGHTDECK_DB: dbFile }, encoding: "utf8" });
    expect(again.stdout).toContain("Nothing of the demo's data plane runs");
  });
});
