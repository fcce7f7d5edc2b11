// Server for the Playwright suite (started by playwright.config.ts `webServer`): a fresh SQLite
// database with demo data at data/e2e/flightdeck-e2e.db, then `next start` on $E2E_PORT (3100)
// and the worker, started like `npm start` does. In demo mode the worker deploys the sample
// service 1.0.0 in staging and production through the local driver and starts demo traffic:
// routers, versions and traffic generators are detached processes (data/e2e/local-driver/*),
// so this script stops them itself on shutdown, and kills leftovers of a previous run at start.
// Router ports: $E2E_ROUTER_PORT (4700) for staging, +100 for production; +1 control, +10/+11 versions.
// Needs an existing production build (`next build`); it never builds, so a run stays predictable.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { commandUserDefaults } from "./command-user.mjs";
import { dataPlane, describePm2, pm2Plane, readProc, signal } from "./data-plane.mjs";
import { bin, buildIsStale, root } from "./lib.mjs";

const port = process.env.E2E_PORT ?? "3100";
const routerPort = Number(process.env.E2E_ROUTER_PORT ?? 4700);
// E2E_DATA_DIR: the API suite (playwright.api.config.ts) runs its own server beside the browser suite's.
// E2E_DEMO=0 (the single sign-on suite, playwright.oidc.config.ts): no demo data, hence no data plane
// and no router ports; the suite creates its own users.
const demo = process.env.E2E_DEMO !== "0";
const dataDir = path.resolve(root, process.env.E2E_DATA_DIR ?? path.join("data", "e2e"));
const dbFile = path.join(dataDir, "flightdeck-e2e.db");

const log = (msg) => console.error(`e2e-server: ${msg}`);

if (!existsSync(path.join(root, ".next", "BUILD_ID"))) {
  log("no production build; run `./node_modules/.bin/next build` first.");
  process.exit(1);
}
if (buildIsStale()) log("warning: sources changed after the last `next build`; testing the older build.");

// ---- processes of the e2e data plane --------------------------------------------------------

const plane = dataPlane({ dataDir, dbFile });
// A PM2 service deployed by a spec (runbook 000) runs under the daemon of <data dir>/pm2.
const pm2 = pm2Plane({ dataDir });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every process below `pid` (tsx runs the worker in a child node process). */
function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProc(name, "stat")?.[0];
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) : NaN;
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const out = [];
  const walk = (p) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

function portFree(p) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port: p });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

// ---- fresh state -----------------------------------------------------------------------------

const leftovers = await plane.stop();
if (leftovers > 0) log(`stopped ${leftovers} data-plane process(es) left by a previous run`);
const pm2Leftovers = await pm2.stop();
if (pm2Leftovers) log(`stopped ${describePm2(pm2Leftovers)} left by a previous run`);
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });

const ports = demo ? [0, 100].flatMap((o) => [0, 1, 10, 11].map((d) => routerPort + o + d)) : [];
const busy = [];
for (const p of ports) if (!(await portFree(p))) busy.push(p);
if (busy.length > 0) {
  log(`router port(s) ${busy.join(", ")} are in use; stop what listens there or set E2E_ROUTER_PORT.`);
  process.exit(1);
}

const env = {
  ...process.env,
  PORT: port,
  FLIGHTDECK_DB: dbFile,
  FLIGHTDECK_DEMO: demo ? "1" : "0",
  FLIGHTDECK_DEMO_ROUTER_PORT: String(routerPort),
  NEXTAUTH_URL: `http://localhost:${port}`,
  // Test-only secret: the database is thrown away after every run.
  NEXTAUTH_SECRET: "flightdeck-e2e-only-secret-not-for-production",
  NEXT_TELEMETRY_DISABLED: "1",
  // As root, admin-defined commands run as `nobody` unless told otherwise (lib/drivers/shell.ts).
  ...commandUserDefaults(),
};

const migrate = spawnSync(bin("tsx"), ["scripts/migrate.ts"], { cwd: root, env, stdio: ["ignore", "ignore", "inherit"] });
if (migrate.status !== 0) {
  log(`migrate failed (exit ${migrate.status ?? migrate.signal})`);
  process.exit(migrate.status ?? 1);
}

// ---- web + worker ----------------------------------------------------------------------------
// Both stay in this process group: Playwright signals the whole group, and its SIGKILL fallback
// reaches them too (tsx's child included). Their stdout goes to data/e2e/{web,worker}.log.

let stopping = false;
const web = spawn(bin("next"), ["start", "-p", port], { cwd: root, env, stdio: ["ignore", openSync(path.join(dataDir, "web.log"), "a"), "inherit"] });
let worker;
function startWorker() {
  worker = spawn(bin("tsx"), ["--conditions=react-server", "scripts/worker.ts"], {
    cwd: root,
    env,
    stdio: ["ignore", openSync(path.join(dataDir, "worker.log"), "a"), "inherit"],
  });
  worker.on("exit", (code, sig) => {
    if (stopping) return;
    log(`worker exited (${sig ?? code}); restarting in 1 s`);
    setTimeout(() => stopping || startWorker(), 1000);
  });
}
startWorker();
writeFileSync(path.join(dataDir, "e2e-server.pid"), String(process.pid));

const exited = (child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", resolve)));

/** Worker first (so it cannot restart what is being stopped), then the data plane, then web. */
async function shutdown(sig, code) {
  if (stopping) return;
  stopping = true;
  web.kill(sig);
  worker.kill(sig);
  await Promise.race([exited(worker), sleep(2000)]);
  if (worker.exitCode === null && worker.signalCode === null) {
    log("worker did not stop within 2 s; killing it");
    signal(descendants(worker.pid), "SIGKILL");
    worker.kill("SIGKILL");
  }
  await plane.stop(1000);
  await pm2.stop(1000);
  await Promise.race([exited(web), sleep(1000)]);
  if (web.exitCode === null && web.signalCode === null) web.kill("SIGKILL");
  process.exit(code);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => void shutdown(sig, 0));
process.on("exit", () => {
  // Whatever path led here (including an early exit), leave nothing of the data plane running.
  for (const child of [web, worker]) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    signal(descendants(child.pid), "SIGKILL");
    child.kill("SIGKILL");
  }
  plane.killNow();
});
web.on("exit", (code, sig) => {
  if (stopping) return;
  log(`web server exited (${sig ?? code})`);
  void shutdown("SIGTERM", code ?? 1);
});
