import "server-only";
import { spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { localRouterPort, type StickySplit } from "@/lib/domain/deploy-target";
import { processAlive } from "../process";
import { withoutSecrets } from "../shell";
import type { DeployDriver, DriverStatus, DriverTarget } from "../types";

export interface LocalTargetConfig {
  entry: string;
  routerPort: number;
  healthPath: string;
  /** Sticky split: requests naming a user by this header or cookie keep that user on one version. */
  sticky?: StickySplit;
}

interface VersionProcess {
  version: string;
  port: number;
  pid: number;
}

interface Supervision {
  router: { pid: number; port: number; adminPort: number } | null;
  stable: VersionProcess | null;
  canary: VersionProcess | null;
}

const SCRIPTS = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "lib/drivers/local");


async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

/**
 * The embedded driver (REQUIREMENTS H1): each version is a detached child process on its own port
 * behind the data-plane router. Processes outlive Flightdeck; their pids and ports are kept in a
 * supervision file, so a restarted worker adopts what runs instead of starting it twice.
 */
export function createLocalDriver(config: LocalTargetConfig, opts: { dataDir: string; dbFile: string }): DeployDriver {
  const dirOf = (t: DriverTarget) => path.join(opts.dataDir, "local-driver", `${t.serviceName}-${t.environmentName}`);
  const routerPort = (t: DriverTarget) => localRouterPort(config.routerPort, t.environmentId);
  const slotPorts = (t: DriverTarget) => [routerPort(t) + 10, routerPort(t) + 11] as const;

  function load(t: DriverTarget): Supervision {
    const file = path.join(dirOf(t), "supervision.json");
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Supervision) : { router: null, stable: null, canary: null };
  }
  function save(t: DriverTarget, s: Supervision) {
    mkdirSync(dirOf(t), { recursive: true });
    const file = path.join(dirOf(t), "supervision.json");
    writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 2));
    renameSync(`${file}.tmp`, file);
  }

  function spawnDetached(t: DriverTarget, script: string, env: Record<string, string>, logName: string): number {
    mkdirSync(dirOf(t), { recursive: true });
    const log = openSync(path.join(dirOf(t), `${logName}.log`), "a");
    const child = spawn(process.execPath, [script], { detached: true, stdio: ["ignore", log, log], env: { ...withoutSecrets(process.env), ...env } });
    child.unref();
    return child.pid!;
  }

  const entryScript = () => (config.entry === "sample-service" ? path.join(SCRIPTS, "sample-service.mjs") : path.resolve(config.entry));

  /** Which router answers on a control port (null: none). */
  async function routerAt(adminPort: number): Promise<{ pid: number; serviceId: number; environmentId: number; dbFile: string | null } | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/state`, { signal: AbortSignal.timeout(1000) });
      return (await res.json()) as { pid: number; serviceId: number; environmentId: number; dbFile: string | null };
    } catch {
      return null;
    }
  }

  /** Only our own router is ever used: one serving another service, environment or database is refused. */
  function assertOurs(t: DriverTarget, r: { serviceId: number; environmentId: number; dbFile: string | null }, port: number) {
    if (r.serviceId !== t.serviceId || r.environmentId !== t.environmentId || r.dbFile !== opts.dbFile) {
      throw new Error(
        `Port ${port} is already used by another router (service #${r.serviceId}, environment #${r.environmentId}, database ${r.dbFile ?? "none"}); change routerPort of ${t.serviceName}.`,
      );
    }
  }

  async function ensureRouter(t: DriverTarget): Promise<Supervision> {
    const s = load(t);
    const port = routerPort(t);
    const adminPort = port + 1;
    const running = await routerAt(adminPort);
    if (running) {
      // Routers started before they reported their identity are ours when our record names their pid.
      const legacy = (running as { serviceId?: number }).serviceId === undefined && s.router?.pid === running.pid;
      if (!legacy) assertOurs(t, running, port);
      if (s.router?.pid === running.pid) return s;
      // Ours but not on record (crash between spawn and save): adopt it.
      const adopted = { ...s, router: { pid: running.pid, port, adminPort } };
      save(t, adopted);
      return adopted;
    }
    spawnDetached(
      t,
      path.join(SCRIPTS, "router.mjs"),
      {
        ROUTER_PORT: String(port),
        ROUTER_ADMIN_PORT: String(adminPort),
        ROUTER_STATE: path.join(dirOf(t), "router-state.json"),
        FLIGHTDECK_DB: opts.dbFile,
        ROUTER_SERVICE_ID: String(t.serviceId),
        ROUTER_ENVIRONMENT_ID: String(t.environmentId),
      },
      "router",
    );
    await waitFor(async () => (await routerAt(adminPort)) !== null, "router");
    const started = (await routerAt(adminPort))!;
    assertOurs(t, started, port);
    const next = { ...s, router: { pid: started.pid, port, adminPort } };
    save(t, next);
    return next;
  }

  /** Who answers on a port: a process left behind by a crash between spawn and save is found here. */
  async function occupant(port: number): Promise<{ version?: string; pid?: number } | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${config.healthPath}`, { signal: AbortSignal.timeout(1000) });
      return (await res.json()) as { version?: string; pid?: number };
    } catch {
      return null;
    }
  }

  /** Starts `version` on `port`, adopting an identical orphan and stopping a different one. */
  async function startOn(t: DriverTarget, version: string, port: number): Promise<VersionProcess> {
    const found = await occupant(port);
    if (found?.version === version && found.pid && processAlive(found.pid)) return { version, port, pid: found.pid };
    if (found?.pid && processAlive(found.pid)) {
      process.kill(found.pid, "SIGTERM");
      await waitFor(async () => (await occupant(port)) === null, `port ${port} to free up`, 5000);
    }
    const pid = spawnDetached(t, entryScript(), { PORT: String(port), VERSION: version }, `version-${version}`);
    await waitFor(() => httpOk(`http://127.0.0.1:${port}${config.healthPath}`), `version ${version}`);
    return { version, port, pid };
  }

  async function ensureVersion(t: DriverTarget, version: string, avoidPort: number | null, existing: VersionProcess | null): Promise<VersionProcess> {
    if (existing && existing.version === version && processAlive(existing.pid) && (await httpOk(`http://127.0.0.1:${existing.port}${config.healthPath}`))) {
      return existing; // adopt: already running
    }
    if (existing && processAlive(existing.pid)) process.kill(existing.pid, "SIGTERM");
    return startOn(t, version, slotPorts(t).find((p) => p !== avoidPort)!);
  }

  async function routerApply(s: Supervision, body: Record<string, unknown>): Promise<void> {
    // Every operation carries the service's current split mode, so the router follows a change of
    // the deploy target at the next step and keeps it in its state file across restarts.
    const op = { ...body, sticky: config.sticky ?? null };
    const res = await fetch(`http://127.0.0.1:${s.router!.adminPort}/apply`, { method: "POST", body: JSON.stringify(op), signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`router refused ${JSON.stringify(body)}: ${await res.text()}`);
  }

  function stop(p: VersionProcess | null) {
    if (p && processAlive(p.pid)) process.kill(p.pid, "SIGTERM");
  }

  return {
    async deploy(t, op) {
      let s = await ensureRouter(t);
      if (!s.stable && op.stableVersion) {
        // First contact (or lost supervision file): bring up the stable version the records name.
        const stable = await ensureVersion(t, op.stableVersion, null, null);
        s = { ...s, stable };
        save(t, s);
        await routerApply(s, { opId: `${op.opId}:stable`, stable: { version: stable.version, port: stable.port } });
      }
      if (!s.stable) {
        // Nothing runs yet: the first version becomes stable directly.
        const stable = await ensureVersion(t, op.version, null, null);
        save(t, { ...s, stable });
        await routerApply(s, { opId: op.opId, stable: { version: stable.version, port: stable.port }, canary: null, weight: 0 });
        return;
      }
      const canary = await ensureVersion(t, op.version, s.stable.port, s.canary);
      save(t, { ...s, canary });
      await routerApply(s, { opId: op.opId, canary: { version: canary.version, port: canary.port }, weight: 0 });
    },

    async setWeight(t, op) {
      const s = await ensureRouter(t);
      await routerApply(s, { opId: op.opId, weight: op.weight });
    },

    async promote(t, op) {
      const s = await ensureRouter(t);
      if (s.stable?.version === op.version && !s.canary) return; // already promoted
      const canary = s.canary?.version === op.version ? s.canary : await ensureVersion(t, op.version, s.stable?.port ?? null, s.canary);
      await routerApply(s, { opId: op.opId, stable: { version: canary.version, port: canary.port }, canary: null, weight: 0 });
      const old = s.stable;
      save(t, { ...s, stable: canary, canary: null });
      if (old && old.port !== canary.port) stop(old);
    },

    async rollback(t, op) {
      const s = await ensureRouter(t);
      await routerApply(s, { opId: op.opId, canary: null, weight: 0 });
      if (s.canary) stop(s.canary);
      save(t, { ...s, canary: null });
    },

    async status(t): Promise<DriverStatus> {
      const s = load(t);
      let weight = 0;
      if (s.router && processAlive(s.router.pid)) {
        try {
          const res = await fetch(`http://127.0.0.1:${s.router.adminPort}/state`, { signal: AbortSignal.timeout(1000) });
          weight = ((await res.json()) as { weight: number }).weight;
        } catch {
          weight = 0;
        }
      }
      const versions = await Promise.all(
        (["stable", "canary"] as const).flatMap((role) => {
          const p = s[role];
          if (!p) return [];
          return [
            (async () => {
              const up = processAlive(p.pid);
              const healthy = up && (await httpOk(`http://127.0.0.1:${p.port}${config.healthPath}`));
              return { version: p.version, role, healthy, detail: !up ? `process ${p.pid} is not running` : healthy ? `pid ${p.pid}, port ${p.port}` : `health check failed on port ${p.port}` };
            })(),
          ];
        }),
      );
      return { weight, versions };
    },

    async reconcile(t) {
      const before = load(t);
      if (!before.router && !before.stable) return [];
      const repairs: string[] = [];
      const routerWasUp = before.router !== null && processAlive(before.router.pid);
      let s = await ensureRouter(t);
      if (!routerWasUp) repairs.push(`router restarted on port ${s.router!.port}; split restored from its state file`);
      const stable = s.stable;
      if (stable && !(processAlive(stable.pid) && (await httpOk(`http://127.0.0.1:${stable.port}${config.healthPath}`)))) {
        // Same port: the router's split stays valid without a new operation.
        const restarted = await startOn(t, stable.version, stable.port);
        s = { ...s, stable: restarted };
        save(t, s);
        repairs.push(`stable ${stable.version} was down (pid ${stable.pid}); now pid ${restarted.pid} on port ${stable.port}`);
      }
      return repairs;
    },

    processes(t) {
      const s = load(t);
      return Promise.resolve(
        (["stable", "canary"] as const).flatMap((role) => {
          const p = s[role];
          return p && processAlive(p.pid) ? [{ role, version: p.version, pid: p.pid }] : [];
        }),
      );
    },

    variantUrl(t, variant) {
      const p = load(t)[variant];
      return Promise.resolve(p ? `http://127.0.0.1:${p.port}` : null);
    },
  };
}
