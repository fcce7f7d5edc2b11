import "server-only";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { processAlive } from "../process";
import type { DriverTarget } from "../types";

/**
 * Read-only view of a PM2 target for the web tier (runbook 000's checklist). It never starts a
 * PM2 daemon, and it loads the pm2 package at run time from node_modules: bundled into Next's
 * server build, pm2's optional modules do not resolve.
 */

/** One row of runbook 000's `pm2 list` check. */
export interface Pm2ListRow {
  role: "main" | "canary";
  name: string;
  pmId: number | null;
  status: string;
  pid: number | null;
  version: string | null;
  commit: string | null;
  restarts: number;
  port: number;
  healthy: boolean;
  healthUrl: string;
  releaseDir: string | null;
}

export interface Pm2TargetShape {
  mainPort: number;
  canaryPort: number;
  healthPath: string;
  name?: string;
  git?: object;
}

/** PM2 process names: with git `<name>` / `<name>-canary` (runbook 000), else `<service>-<env>[-canary]`. */
export function pm2Names(config: Pick<Pm2TargetShape, "name" | "git">, t: DriverTarget): { main: string; canary: string } {
  if (!config.git) return { main: `${t.serviceName}-${t.environmentName}`, canary: `${t.serviceName}-${t.environmentName}-canary` };
  const base = config.name ?? t.serviceName.replace(/[^A-Za-z0-9._-]/g, "-");
  return { main: base, canary: `${base}-canary` };
}

/** Where the ecosystem file, the apps' `current` links and their logs live (git mode). */
export const pm2AppsDir = (dataDir: string, mainName: string) => path.join(dataDir, "pm2-apps", mainName);

/** Whether the PM2 daemon runs (its pid file names a live process); never starts one. */
export function pm2DaemonRunning(pm2Home: string): boolean {
  try {
    return processAlive(Number(readFileSync(path.join(pm2Home, "pm2.pid"), "utf8").trim()));
  } catch {
    return false;
  }
}

export async function healthy(port: number, p: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

interface Proc {
  pid?: number;
  pm_id?: number;
  pm2_env?: { status?: string; env?: Record<string, string>; VERSION?: string; COMMIT?: string; restart_time?: number; cwd?: string; pm_cwd?: string };
}
interface ReadApi {
  connect(cb: (err: Error | null) => void): void;
  disconnect(): void;
  describe(name: string, cb: (err: Error | null, list: Proc[]) => void): void;
}

/** Turns a PM2 process description into a checklist row (health asked over HTTP). */
export async function listRow(role: "main" | "canary", name: string, p: Proc, port: number, config: Pm2TargetShape): Promise<Pm2ListRow> {
  const status = p.pm2_env?.status ?? "unknown";
  const env = p.pm2_env?.env ?? {};
  return {
    role,
    name,
    pmId: p.pm_id ?? null,
    status,
    pid: p.pid || null,
    version: env.VERSION ?? p.pm2_env?.VERSION ?? null,
    commit: env.COMMIT ?? p.pm2_env?.COMMIT ?? null,
    restarts: p.pm2_env?.restart_time ?? 0,
    port,
    healthy: status === "online" && (await healthy(port, config.healthPath)),
    healthUrl: `http://127.0.0.1:${port}${config.healthPath}`,
    releaseDir: config.git ? (p.pm2_env?.cwd ?? p.pm2_env?.pm_cwd ?? null) : null,
  };
}

/** `pm2 list` of main and canary; the caller checked pm2DaemonRunning first. */
export async function readPm2List(pm2Home: string, config: Pm2TargetShape, t: DriverTarget): Promise<Pm2ListRow[]> {
  // Resolved at run time (not traced by the bundler): see the note at the top.
  const load = createRequire(path.join(process.cwd(), "package.json"));
  const pm2 = load("pm2") as { custom: new (o: object) => ReadApi };
  const api = new pm2.custom({ pm2_home: pm2Home, independent: false, daemon_mode: true });
  const call = <T>(fn: (cb: (err: Error | null, v?: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(v as T))));
  await call<void>((cb) => api.connect(cb));
  try {
    const names = pm2Names(config, t);
    const rows: Pm2ListRow[] = [];
    for (const [role, name, port] of [
      ["main", names.main, config.mainPort],
      ["canary", names.canary, config.canaryPort],
    ] as const) {
      const p = (await call<Proc[]>((cb) => api.describe(name, cb)))[0];
      if (p) rows.push(await listRow(role, name, p, port, config));
    }
    return rows;
  } finally {
    api.disconnect();
  }
}
