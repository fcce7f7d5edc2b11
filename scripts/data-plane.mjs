// The local driver's data plane of one Flightdeck database: the routers, versions and traffic
// generators it runs as detached processes under <data dir>/local-driver/*; and the pm2 driver's
// daemon and apps under <data dir>/pm2. Used by `npm run stop`, the e2e server and `npm start`'s
// exit message. Only processes running one of the local driver's scripts, or that PM2_HOME's
// daemon and its apps, are ever signalled (a pid file may name a reused pid).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { root } from "./lib.mjs";

const DATA_PLANE_SCRIPTS = ["router.mjs", "sample-service.mjs", "traffic.mjs"].map((s) => path.join(root, "lib", "drivers", "local", s));

export function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8").split("\0");
  } catch {
    return null;
  }
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The local driver script `pid` runs ("router.mjs", ...), or null when it runs none. */
export function dataPlaneScript(pid) {
  const argv = readProc(pid, "cmdline");
  const script = argv?.find((a) => DATA_PLANE_SCRIPTS.includes(path.resolve(root, a)));
  return script ? path.basename(script) : null;
}

export function signal(pids, sig) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The data plane of the database `dbFile`, whose driver files live in `dataDir`/local-driver. */
export function dataPlane({ dataDir, dbFile }) {
  const driverDir = path.join(dataDir, "local-driver");

  /** Pids named by the driver's files: supervision.json (router, stable, canary) and traffic.pid. */
  function pidsFromFiles() {
    const pids = new Set();
    if (!existsSync(driverDir)) return pids;
    for (const entry of readdirSync(driverDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(driverDir, entry.name);
      try {
        const s = JSON.parse(readFileSync(path.join(dir, "supervision.json"), "utf8"));
        for (const p of [s.router, s.stable, s.canary]) if (Number.isInteger(p?.pid)) pids.add(p.pid);
      } catch {
        // no (or a half-written) supervision file
      }
      try {
        const pid = Number(readFileSync(path.join(dir, "traffic.pid"), "utf8").trim());
        if (Number.isInteger(pid) && pid > 0) pids.add(pid);
      } catch {
        // no traffic generator here
      }
    }
    return pids;
  }

  /**
   * Safety net for what the files do not name (a version started but not yet recorded, a canary
   * replaced): data-plane processes whose environment points at this database.
   */
  function pidsFromProc() {
    const pids = new Set();
    for (const name of readdirSync("/proc")) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid || dataPlaneScript(pid) === null) continue;
      if (readProc(pid, "environ")?.includes(`FLIGHTDECK_DB=${dbFile}`)) pids.add(pid);
    }
    return pids;
  }

  /** Live data-plane processes of this database. */
  function pids() {
    return [...new Set([...pidsFromFiles(), ...pidsFromProc()])].filter((pid) => alive(pid) && dataPlaneScript(pid) !== null);
  }

  return {
    pids,
    /** What runs, by script: { "router.mjs": 2, "sample-service.mjs": 2, "traffic.mjs": 2 }. */
    census() {
      const counts = {};
      for (const pid of pids()) {
        const s = dataPlaneScript(pid);
        if (s) counts[s] = (counts[s] ?? 0) + 1;
      }
      return counts;
    },
    /** SIGTERM, up to `graceMs` to exit, then SIGKILL. Returns how many were stopped. */
    async stop(graceMs = 1500) {
      const found = pids();
      if (found.length === 0) return 0;
      signal(found, "SIGTERM");
      const end = Date.now() + graceMs;
      while (Date.now() < end && found.some(alive)) await sleep(50);
      signal(found.filter(alive), "SIGKILL");
      return found.length;
    },
    /** Last resort when a process exits: no waiting possible, so SIGKILL whatever is left. */
    killNow() {
      signal(pids(), "SIGKILL");
    },
  };
}

const PM2_BIN = path.join(root, "node_modules", "pm2", "bin", "pm2");

/** The parent pid of `pid`, or null. */
function parentOf(pid) {
  const stat = readProc(pid, "stat")?.[0];
  const ppid = stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) : NaN;
  return Number.isInteger(ppid) ? ppid : null;
}

/**
 * The PM2 daemon of one Flightdeck database and the apps it runs (the pm2 driver's PM2_HOME is
 * <data dir>/pm2; runbook 000's `<name>` and `<name>-canary`). Only this PM2_HOME's God Daemon is
 * stopped, and only PM2 app processes below it (or, orphaned, carrying its PM2_HOME).
 */
export function pm2Plane({ dataDir }) {
  const home = path.join(dataDir, "pm2");

  function pidFile() {
    try {
      return Number(readFileSync(path.join(home, "pm2.pid"), "utf8").trim());
    } catch {
      return null;
    }
  }

  /**
   * Whether `pid` (titled `title`) is this PM2_HOME's daemon. Its title ("PM2 v7.0.4: God Daemon
   * (<home>)") is cut to the length of its original command line, so a long PM2_HOME may show only
   * in part: then its pid file or its environment must name it too.
   */
  function ours(pid, title, named) {
    const m = /^PM2 v\S+: God Daemon \((.*)$/.exec(title.trim());
    if (!m) return false;
    if (m[1] === `${home})`) return true;
    return home.startsWith(m[1]) && (pid === named || (readProc(pid, "environ")?.includes(`PM2_HOME=${home}`) ?? false));
  }

  function scan() {
    const daemons = [];
    const candidates = [];
    if (!existsSync(home)) return { daemons, apps: [] };
    const named = pidFile();
    for (const name of readdirSync("/proc")) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      const argv = readProc(pid, "cmdline");
      if (!argv || argv.length === 0) continue; // gone, or a zombie
      if (!argv[0].startsWith("PM2 v")) candidates.push(pid);
      else if (ours(pid, argv.join(" "), named)) daemons.push(pid);
    }
    const apps = [];
    for (const pid of candidates) {
      const environ = readProc(pid, "environ") ?? [];
      const pm2App = environ.some((e) => e.startsWith("pm_id="));
      if (pm2App && (daemons.includes(parentOf(pid)) || environ.includes(`PM2_HOME=${home}`))) {
        apps.push({ pid, name: environ.find((e) => e.startsWith("name="))?.slice(5) ?? `pid ${pid}` });
      }
    }
    return { daemons, apps };
  }

  return {
    home,
    /** { daemon: true when one runs, apps: names of the processes it (or a dead one) left running }. */
    census() {
      const { daemons, apps } = scan();
      return { home, daemon: daemons.length > 0, apps: apps.map((a) => a.name).sort() };
    },
    /**
     * `pm2 kill` with this PM2_HOME when its daemon runs (it stops the apps, then itself; run
     * without a daemon it would start one first), then SIGTERM / SIGKILL for anything left.
     * Returns what ran, as census() would have said, or null when nothing did.
     */
    async stop(graceMs = 3000) {
      const before = scan();
      if (before.daemons.length === 0 && before.apps.length === 0) return null;
      if (before.daemons.length > 0 && existsSync(PM2_BIN)) {
        spawnSync(process.execPath, [PM2_BIN, "kill"], { env: { ...process.env, PM2_HOME: home }, stdio: "ignore", timeout: 30_000 });
      }
      const left = () => {
        const now = scan();
        return [...now.daemons, ...now.apps.map((a) => a.pid)];
      };
      signal(left(), "SIGTERM");
      const end = Date.now() + graceMs;
      while (Date.now() < end && left().length > 0) await sleep(100);
      signal(left(), "SIGKILL");
      return { home, daemon: before.daemons.length > 0, apps: before.apps.map((a) => a.name).sort() };
    },
  };
}

/** "the PM2 daemon (PM2_HOME=…) with mission-control and mission-control-canary" (empty string when nothing runs). */
export function describePm2(census) {
  if (!census || (!census.daemon && census.apps.length === 0)) return "";
  const names = census.apps.length <= 1 ? (census.apps[0] ?? "") : `${census.apps.slice(0, -1).join(", ")} and ${census.apps.at(-1)}`;
  const daemon = census.daemon ? `the PM2 daemon (PM2_HOME=${census.home})` : `PM2 apps left by a stopped daemon (PM2_HOME=${census.home})`;
  return census.daemon ? `${daemon}${names ? ` with ${names}` : ""}` : `${daemon}: ${names}`;
}

const NAMES = { "router.mjs": ["router", "routers"], "sample-service.mjs": ["service version", "service versions"], "traffic.mjs": ["traffic generator", "traffic generators"] };

/** "2 routers, 2 service versions and 2 traffic generators" (empty string when nothing runs). */
export function describeCensus(counts) {
  const parts = Object.entries(NAMES)
    .filter(([s]) => counts[s])
    .map(([s, [one, many]]) => `${counts[s]} ${counts[s] === 1 ? one : many}`);
  return parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}
