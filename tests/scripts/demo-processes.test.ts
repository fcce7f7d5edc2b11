import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { supervisor } from "../../scripts/supervise.mjs";
import { makeTempDir } from "../support/db";

// `npm run stop` and `npm start`'s supervision, with real processes: the local driver's own
// data-plane scripts, a real PM2 daemon with apps, a real worker, and real children that die.

const root = path.resolve(import.meta.dirname, "../..");
const local = (s: string) => path.join(root, "lib", "drivers", "local", s);
const started: ChildProcess[] = [];
const tmp = makeTempDir();
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Alive and not a zombie (a daemon reparented to a pid 1 that does not reap stays a zombie). */
const running = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

function detached(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: "ignore" });
  started.push(child);
  return child;
}

/** Waits until `check` holds (state, not a time budget: the test's own timeout bounds it). */
async function until(check: () => boolean) {
  while (!check()) await new Promise((r) => setTimeout(r, 50));
}

const stop = (dbFile: string) => spawnSync(process.execPath, [path.join(root, "scripts", "stop.mjs")], { env: { ...process.env, FLIGHTDECK_DB: dbFile }, encoding: "utf8" });

describe("npm run stop", () => {
  it("stops this database's versions and traffic generators and nothing else", async () => {
    const dataDir = path.join(tmp.dir, "demo");
    const dbFile = path.join(dataDir, "flightdeck.db");
    const otherDb = path.join(tmp.dir, "other", "flightdeck.db");
    const svcDir = path.join(dataDir, "local-driver", "sample-api-staging");
    mkdirSync(svcDir, { recursive: true });

    // A version found through the database in its environment, a traffic generator found through its pid file.
    const version = detached([local("sample-service.mjs")], { PORT: "0", VERSION: "1.0.0", FLIGHTDECK_DB: dbFile });
    const traffic = detached([local("traffic.mjs")], { TRAFFIC_URL: "http://127.0.0.1:9/api/demo", TRAFFIC_RPS: "1" });
    writeFileSync(path.join(svcDir, "traffic.pid"), String(traffic.pid));
    // Not ours to stop: another database's data plane, and an unrelated process named by a stale pid file.
    const otherVersion = detached([local("sample-service.mjs")], { PORT: "0", VERSION: "1.0.0", FLIGHTDECK_DB: otherDb });
    const unrelated = detached(["-e", "setInterval(() => {}, 1000)"], {});
    const staleDir = path.join(dataDir, "local-driver", "stale-production");
    mkdirSync(staleDir, { recursive: true });
    writeFileSync(path.join(staleDir, "traffic.pid"), String(unrelated.pid));
    await until(() => [version, traffic, otherVersion, unrelated].every((c) => c.pid !== undefined && alive(c.pid)));

    const r = stop(dbFile);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Stopped 1 service version and 1 traffic generator");
    await until(() => !alive(version.pid!) || version.exitCode !== null || version.signalCode !== null);
    await until(() => traffic.exitCode !== null || traffic.signalCode !== null);
    expect(otherVersion.exitCode).toBeNull();
    expect(alive(otherVersion.pid!)).toBe(true);
    expect(alive(unrelated.pid!)).toBe(true);

    expect(stop(dbFile).stdout).toContain("Nothing of the demo's data plane runs");
  });

  it("stops the PM2 daemon of the database's data dir and its apps (runbook 000's mission-control), and no other PM2", async () => {
    // What the pm2 driver leaves running once mission-control is deployed: a daemon with PM2_HOME=<data dir>/pm2.
    const dataDir = path.join(tmp.dir, "pm2-demo");
    const dbFile = path.join(dataDir, "flightdeck.db");
    const home = path.join(dataDir, "pm2");
    const otherHome = path.join(tmp.dir, "pm2-other", "pm2");
    const app = path.join(tmp.dir, "pm2-app.js");
    writeFileSync(app, 'require("node:http").createServer((q, r) => r.end("ok")).listen(0, "127.0.0.1");\n');
    const pm2 = (pm2Home: string, ...args: string[]) => spawnSync(process.execPath, [path.join(root, "node_modules", "pm2", "bin", "pm2"), ...args], { env: { ...process.env, PM2_HOME: pm2Home }, encoding: "utf8" });
    const pidsOf = (pm2Home: string) => (JSON.parse(pm2(pm2Home, "jlist").stdout) as { name: string; pid: number }[]).map((p) => p.pid);
    const daemonOf = (pm2Home: string) => Number(readFileSync(path.join(pm2Home, "pm2.pid"), "utf8").trim());
    try {
      for (const name of ["mission-control", "mission-control-canary"]) expect(pm2(home, "start", app, "--name", name).status).toBe(0);
      expect(pm2(otherHome, "start", app, "--name", "mission-control").status).toBe(0);
      const ours = [daemonOf(home), ...pidsOf(home)];
      const theirs = [daemonOf(otherHome), ...pidsOf(otherHome)];
      expect(ours).toHaveLength(3);
      expect([...ours, ...theirs].every(running)).toBe(true);

      const r = stop(dbFile);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Stopped the PM2 daemon (PM2_HOME=${home}) with mission-control and mission-control-canary.`);
      await until(() => !ours.some(running));
      expect(theirs.every(running)).toBe(true);
      expect(stop(dbFile).stdout).toContain("Nothing of the demo's data plane runs");
    } finally {
      pm2(otherHome, "kill");
      if (existsSync(path.join(home, "pm2.pid")) && running(daemonOf(home))) pm2(home, "kill");
    }
  });

  it("refuses while a worker runs on the database (it would restart the data plane)", async () => {
    const dbFile = path.join(tmp.dir, "worker", "flightdeck.db");
    mkdirSync(path.dirname(dbFile), { recursive: true });
    const env = { ...process.env, FLIGHTDECK_DB: dbFile, FLIGHTDECK_DEMO: "0" };
    const tsx = path.join(root, "node_modules", ".bin", "tsx");
    expect(spawnSync(tsx, ["scripts/migrate.ts"], { cwd: root, env, stdio: "ignore" }).status).toBe(0);
    const worker = spawn(tsx, ["--conditions=react-server", "scripts/worker.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    started.push(worker);
    let refused: ReturnType<typeof stop> | undefined;
    // The worker is found by its command line once tsx has started it.
    await until(() => {
      refused = stop(dbFile);
      return refused.status === 1;
    });
    expect(refused!.stderr).toContain("still runs on");
    expect(refused!.stderr).toContain("Ctrl-C first");
  });
});

describe("npm start's supervision", () => {
  it("restarts a child that dies, says so, and gives up on one that keeps dying at once", async () => {
    const messages: string[] = [];
    const gaveUp: string[] = [];
    // Stopping once the test is done: afterEach kills the web server, which would otherwise be restarted and outlive the run.
    let stopping = false;
    const s = supervisor({ cwd: root, env: process.env, isStopping: () => stopping, giveUp: (n) => gaveUp.push(n), log: (m) => messages.push(m), restartMs: 10 });
    s.supervise("web server", process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    const first = s.child("web server")!;
    started.push(first);
    await until(() => first.pid !== undefined);
    first.kill("SIGKILL");
    await until(() => s.child("web server") !== first);
    const second = s.child("web server")!;
    started.push(second);
    expect(messages).toEqual(["web server exited (SIGKILL); restarting it in 0.01 s"]);
    await until(() => second.pid !== undefined && alive(second.pid));

    s.supervise("worker", process.execPath, ["-e", "process.exit(3)"]);
    await until(() => gaveUp.length > 0);
    expect(gaveUp).toEqual(["worker"]);
    expect(messages.filter((m) => m.startsWith("worker exited (3); restarting"))).toHaveLength(4);
    expect(messages.at(-1)).toBe("worker exited (3) 5 times in a row right after starting; giving up. Its output above says why.");
    stopping = true;
  });
});
