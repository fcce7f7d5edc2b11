// The local driver's data plane of one Flightdeck database: the routers, versions and traffic
// generators it runs as detached processes under <data dir>/local-driver/*. Used by `npm run stop`,
// the e2e server and `npm start`'s exit message. Only processes running one of the local driver's
// scripts are ever signalled (a pid file may name a reused pid).
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

const NAMES = { "router.mjs": ["router", "routers"], "sample-service.mjs": ["service version", "service versions"], "traffic.mjs": ["traffic generator", "traffic generators"] };

/** "2 routers, 2 service versions and 2 traffic generators" (empty string when nothing runs). */
export function describeCensus(counts) {
  const parts = Object.entries(NAMES)
    .filter(([s]) => counts[s])
    .map(([s, [one, many]]) => `${counts[s]} ${counts[s] === 1 ? one : many}`);
  return parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}
