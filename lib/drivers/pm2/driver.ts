import "server-only";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import pm2 from "pm2";
import type { DeployDriver, DriverStatus, DriverTarget } from "../types";

export interface Pm2TargetConfig {
  script: string;
  mainPort: number;
  canaryPort: number;
  healthPath: string;
}

interface Pm2Proc {
  name?: string;
  pid?: number;
  pm2_env?: { status?: string; env?: Record<string, string>; VERSION?: string };
}

/** One PM2 API instance per PM2_HOME, connected lazily (the daemon outlives Flightdeck). */
interface Pm2Api {
  connect(cb: (err: Error | null) => void): void;
  disconnect(): void;
  start(opts: object, cb: (err: Error | null) => void): void;
  restart(proc: object | string, opts: object, cb: (err: Error | null) => void): void;
  delete(name: string, cb: (err: Error | null) => void): void;
  describe(name: string, cb: (err: Error | null, list: Pm2Proc[]) => void): void;
  killDaemon(cb: (err: Error | null) => void): void;
}

const call = <T>(fn: (cb: (err: Error | null, v?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(v as T))));

async function healthy(port: number, p: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * PM2 driver (runbook 000, REQUIREMENTS H2): the canary is its own PM2 process on its own port
 * beside main; promotion reloads main with the new version; status must be `online`. PM2 has no
 * traffic split: the weight is recorded for the balancer in front (see the router of the local driver).
 */
export function createPm2Driver(config: Pm2TargetConfig, opts: { pm2Home: string }) {
  mkdirSync(opts.pm2Home, { recursive: true });
  const Custom = (pm2 as unknown as { custom: new (o: object) => Pm2Api }).custom;
  const api = new Custom({ pm2_home: opts.pm2Home, independent: false, daemon_mode: true });
  let connected: Promise<void> | null = null;
  const ready = () => (connected ??= call<void>((cb) => api.connect(cb)));
  const names = (t: DriverTarget) => ({ main: `${t.serviceName}-${t.environmentName}`, canary: `${t.serviceName}-${t.environmentName}-canary` });
  const weightFile = (t: DriverTarget) => path.join(opts.pm2Home, `${names(t).main}.weight.json`);
  const script = path.resolve(config.script);

  async function describe(name: string): Promise<Pm2Proc | undefined> {
    await ready();
    return (await call<Pm2Proc[]>((cb) => api.describe(name, cb)))[0];
  }
  const versionOf = (p: Pm2Proc | undefined) => p?.pm2_env?.env?.VERSION ?? p?.pm2_env?.VERSION;

  /** Starts (or adopts, when the same version is online) `name` on `port`. */
  async function ensure(name: string, port: number, version: string): Promise<void> {
    const existing = await describe(name);
    if (existing?.pm2_env?.status === "online" && versionOf(existing) === version) return;
    const app = { name, script, env: { PORT: String(port), VERSION: version }, autorestart: true };
    if (existing) await call((cb) => api.restart({ apps: [app] }, { updateEnv: true }, cb));
    else await call((cb) => api.start(app, cb));
    await waitOnline(name, port, version);
  }

  async function waitOnline(name: string, port: number, version: string) {
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      const p = await describe(name);
      if (p?.pm2_env?.status === "online" && versionOf(p) === version && (await healthy(port, config.healthPath))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    const p = await describe(name);
    throw new Error(`PM2 process ${name} is ${p?.pm2_env?.status ?? "missing"}, not online with version ${version}`);
  }

  async function remove(name: string) {
    if (await describe(name)) await call((cb) => api.delete(name, cb));
  }

  const driver: DeployDriver & { close(): void; killDaemon(): Promise<void> } = {
    async deploy(t, op) {
      const main = await describe(names(t).main);
      if (!main) {
        // Nothing runs yet: the first version becomes main.
        await ensure(names(t).main, config.mainPort, op.stableVersion ?? op.version);
        if (!op.stableVersion) return;
      }
      await ensure(names(t).canary, config.canaryPort, op.version);
    },
    setWeight(t, op) {
      writeFileSync(weightFile(t), JSON.stringify({ weight: op.weight, opId: op.opId, at: Date.now() }));
      return Promise.resolve();
    },
    async promote(t, op) {
      // Runbook 000: reload main on the new version, then retire the canary.
      await ensure(names(t).main, config.mainPort, op.version);
      await remove(names(t).canary);
    },
    async rollback(t) {
      await remove(names(t).canary);
      writeFileSync(weightFile(t), JSON.stringify({ weight: 0, at: Date.now() }));
    },
    async status(t): Promise<DriverStatus> {
      const out: DriverStatus["versions"] = [];
      for (const [role, name, port] of [
        ["stable", names(t).main, config.mainPort],
        ["canary", names(t).canary, config.canaryPort],
      ] as const) {
        const p = await describe(name);
        if (!p) continue;
        const status = p.pm2_env?.status ?? "unknown";
        const ok = status === "online" && (await healthy(port, config.healthPath));
        out.push({ version: versionOf(p) ?? "?", role, healthy: ok, detail: `pm2 ${status}, pid ${p.pid ?? "-"}, port ${port}` });
      }
      const weight = existsSync(weightFile(t)) ? (JSON.parse(readFileSync(weightFile(t), "utf8")) as { weight: number }).weight : 0;
      return { weight, versions: out };
    },
    variantUrl(_t, variant) {
      return Promise.resolve(`http://127.0.0.1:${variant === "stable" ? config.mainPort : config.canaryPort}`);
    },
    close() {
      if (connected) api.disconnect();
      connected = null;
    },
    async killDaemon() {
      await ready();
      await call((cb) => api.killDaemon(cb));
      api.disconnect();
      connected = null;
    },
  };
  return driver;
}
