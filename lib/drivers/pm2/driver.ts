import "server-only";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import pm2 from "pm2";
import { type GitSource, prepareRelease, tagDeployCandidate } from "../git/releases";
import { type Pm2ListRow, healthy, listRow, pm2AppsDir, pm2DaemonRunning, pm2Names } from "./read-list";
import { haproxySplitter } from "../proxy/haproxy";
import type { DeployDriver, DriverStatus, DriverTarget } from "../types";

export type { Pm2ListRow };

export interface Pm2TargetConfig {
  script: string;
  mainPort: number;
  canaryPort: number;
  healthPath: string;
  /** PM2 app name (runbook 000): main `<name>`, canary `<name>-canary`; default the service name. Git mode only. */
  name?: string;
  /** Versions from git: each version is a commit or tag built into its own release dir (runbook 000). */
  git?: GitSource;
  /** HAProxy in front, listening on this port: the canary weight is set there. */
  proxy?: { listenPort: number };
}

interface Pm2Proc {
  name?: string;
  pid?: number;
  pm_id?: number;
  pm2_env?: {
    status?: string;
    env?: Record<string, string>;
    VERSION?: string;
    COMMIT?: string;
    restart_time?: number;
    pm_uptime?: number;
    pm_cwd?: string;
    cwd?: string;
    pm_out_log_path?: string;
    pm_err_log_path?: string;
  };
}

/** One PM2 API instance per PM2_HOME, connected lazily (the daemon outlives Flightdeck). */
interface Pm2Api {
  connect(cb: (err: Error | null) => void): void;
  disconnect(): void;
  start(opts: object | string, cb: (err: Error | null) => void): void;
  start(file: string, opts: object, cb: (err: Error | null) => void): void;
  reload(nameOrFile: string, opts: object, cb: (err: Error | null) => void): void;
  restart(proc: object | string, opts: object, cb: (err: Error | null) => void): void;
  delete(name: string, cb: (err: Error | null) => void): void;
  describe(name: string, cb: (err: Error | null, list: Pm2Proc[]) => void): void;
  killDaemon(cb: (err: Error | null) => void): void;
}

const PM2_CALL_TIMEOUT_MS = 60_000;

const call = <T>(fn: (cb: (err: Error | null, v?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => {
    // A daemon that died mid-call never answers: bound every call.
    const timer = setTimeout(() => reject(new Error("PM2 did not answer within 60 s")), PM2_CALL_TIMEOUT_MS);
    fn((err, v) => {
      clearTimeout(timer);
      if (err) reject(err instanceof Error ? err : new Error(String((err as { message?: string }).message ?? err)));
      else resolve(v as T);
    });
  });

/** An app of the ecosystem file (runbook 000: `pm2 reload ecosystem.config.js --only <name>`). */
interface EcosystemApp {
  name: string;
  cwd: string;
  script: string;
  autorestart: true;
  /** Fixed per app name, so a log gate knows where the canary writes before it starts. */
  out_file: string;
  error_file: string;
  env: { PORT: string; VERSION: string; COMMIT: string };
}

type Output = (line: string) => void;
const silent: Output = () => {};

/**
 * PM2 driver (runbook 000, REQUIREMENTS H2): the canary is its own PM2 process on its own port
 * beside main; promotion reloads main with the new version; status must be `online`. Without
 * `git`, both run one fixed script with a VERSION variable (`<service>-<env>[-canary]`). With
 * `git`, a version is a commit or tag: it is built into its own release dir, main is `<name>` and
 * the canary `<name>-canary`, both written into an ecosystem file. PM2 has no traffic split: the
 * weight goes to the proxy in front when one is configured, and is recorded either way.
 */
export function createPm2Driver(config: Pm2TargetConfig, opts: { pm2Home: string; dataDir?: string }) {
  const dataDir = opts.dataDir ?? path.dirname(opts.pm2Home);
  const Custom = (pm2 as unknown as { custom: new (o: object) => Pm2Api }).custom;
  let api: Pm2Api | null = null;
  let connected: Promise<Pm2Api> | null = null;
  const ready = () =>
    (connected ??= (async () => {
      try {
        mkdirSync(opts.pm2Home, { recursive: true });
        api = new Custom({ pm2_home: opts.pm2Home, independent: false, daemon_mode: true });
        const a = api;
        await call<void>((cb) => a.connect(cb));
        return a;
      } catch (err) {
        connected = null;
        throw new Error(`The PM2 daemon (PM2_HOME=${opts.pm2Home}) is not running and could not be started: ${err instanceof Error ? err.message : String(err)}. The running version keeps serving.`);
      }
    })());
  /** A PM2 call; a daemon that went away mid-way is named as such, and the next call connects again. */
  async function pm<T>(fn: (a: Pm2Api, cb: (err: Error | null, v?: T) => void) => void): Promise<T> {
    const a = await ready();
    try {
      return await call<T>((cb) => fn(a, cb));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/ECONNREFUSED|ENOENT|not connected|did not answer|socket/i.test(msg)) {
        connected = null;
        throw new Error(`The PM2 daemon (PM2_HOME=${opts.pm2Home}) is down or not answering: ${msg}.`);
      }
      throw err;
    }
  }

  const gitMode = !!config.git;
  const names = (t: DriverTarget) => pm2Names(config, t);
  const weightFile = (t: DriverTarget) => path.join(opts.pm2Home, `${names(t).main}.weight.json`);
  const script = path.resolve(config.script);
  /** Where the ecosystem file and the apps' `current` links live. */
  const appsDir = (t: DriverTarget) => pm2AppsDir(dataDir, names(t).main);
  const ecosystemFile = (t: DriverTarget) => path.join(appsDir(t), "ecosystem.config.js");
  const stateFile = (t: DriverTarget) => path.join(appsDir(t), "apps.json");
  /** Where an app writes its output: with git, the apps dir; without, PM2's default under PM2_HOME. */
  const logPaths = (t: DriverTarget, name: string) =>
    gitMode
      ? { out_file: path.join(appsDir(t), "logs", `${name}-out.log`), error_file: path.join(appsDir(t), "logs", `${name}-error.log`) }
      : { out_file: path.join(opts.pm2Home, "logs", `${name}-out.log`), error_file: path.join(opts.pm2Home, "logs", `${name}-error.log`) };

  async function describe(name: string): Promise<Pm2Proc | undefined> {
    return (await pm<Pm2Proc[]>((a, cb) => a.describe(name, cb)))[0];
  }
  const envOf = (p: Pm2Proc | undefined) => p?.pm2_env?.env ?? {};
  const versionOf = (p: Pm2Proc | undefined) => envOf(p).VERSION ?? p?.pm2_env?.VERSION;
  const commitOf = (p: Pm2Proc | undefined) => envOf(p).COMMIT ?? p?.pm2_env?.COMMIT;

  async function waitOnline(name: string, port: number, ok: (p: Pm2Proc) => boolean, what: string) {
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const p = await describe(name);
      if (p?.pm2_env?.status === "online" && ok(p) && (await healthy(port, config.healthPath))) return p;
      await new Promise((r) => setTimeout(r, 200));
    }
    const p = await describe(name);
    const up = p?.pm2_env?.status === "online" && ok(p);
    throw new Error(`PM2 process ${name} is ${p?.pm2_env?.status ?? "missing"}${up ? ` but ${config.healthPath} on port ${port} does not answer 200` : ""}, not online with ${what}`);
  }

  async function remove(name: string) {
    if (await describe(name)) await pm((a, cb) => a.delete(name, cb));
  }

  // ---- without git: one fixed script, VERSION variable (unchanged behaviour) ----

  /** Starts (or adopts, when the same version is online) `name` on `port`. */
  async function ensureScript(name: string, port: number, version: string): Promise<void> {
    const existing = await describe(name);
    if (existing?.pm2_env?.status === "online" && versionOf(existing) === version) return;
    const app = { name, script, env: { PORT: String(port), VERSION: version }, autorestart: true };
    if (existing) await pm((a, cb) => a.restart({ apps: [app] }, { updateEnv: true }, cb));
    else await pm((a, cb) => a.start(app, cb));
    await waitOnline(name, port, (p) => versionOf(p) === version, `version ${version}`);
  }

  // ---- with git: release dirs, ecosystem file, reload ----

  function readApps(t: DriverTarget): { main: EcosystemApp | null; canary: EcosystemApp | null } {
    try {
      return JSON.parse(readFileSync(stateFile(t), "utf8")) as { main: EcosystemApp | null; canary: EcosystemApp | null };
    } catch {
      return { main: null, canary: null };
    }
  }

  /** Writes the ecosystem file (both apps) and the state it is made from, atomically. */
  function writeApps(t: DriverTarget, apps: { main: EcosystemApp | null; canary: EcosystemApp | null }) {
    mkdirSync(appsDir(t), { recursive: true });
    const list = [apps.main, apps.canary].filter((a): a is EcosystemApp => a !== null);
    const text = `// Written by Flightdeck (runbook 000): main and canary of ${names(t).main}. Edits are overwritten.\nmodule.exports = ${JSON.stringify({ apps: list }, null, 2)};\n`;
    for (const [file, body] of [
      [stateFile(t), JSON.stringify(apps, null, 2)],
      [ecosystemFile(t), text],
    ] as const) {
      writeFileSync(`${file}.tmp`, body);
      renameSync(`${file}.tmp`, file);
    }
  }

  /**
   * Points `<appsDir>/<name>/current` at the release dir. PM2 keeps an app's script path across a
   * reload (only cwd and env follow the ecosystem), so the script is reached through this link.
   */
  function pointCurrent(t: DriverTarget, name: string, dir: string): string {
    const link = path.join(appsDir(t), name, "current");
    mkdirSync(path.dirname(link), { recursive: true });
    const tmp = `${link}.tmp`;
    rmSync(tmp, { force: true });
    symlinkSync(dir, tmp);
    renameSync(tmp, link);
    return path.join(link, config.script);
  }

  const release = (t: DriverTarget, ref: string, out: Output, keep: string[]) =>
    prepareRelease(config.git!, { dataDir, serviceName: names(t).main, ref, onOutput: out, keep });

  const runningCommits = async (t: DriverTarget) => {
    const shas: string[] = [];
    for (const n of [names(t).main, names(t).canary]) {
      const c = commitOf(await describe(n));
      if (c) shas.push(c);
    }
    return shas;
  };

  /** Starts or reloads one app of the ecosystem on `ref` (built or reused), then waits until it is online and healthy. */
  async function ensureGit(t: DriverTarget, role: "main" | "canary", ref: string, out: Output): Promise<Pm2Proc> {
    const name = names(t)[role];
    const port = role === "main" ? config.mainPort : config.canaryPort;
    const { sha, dir } = await release(t, ref, out, await runningCommits(t));
    const existing = await describe(name);
    const onIt = (p: Pm2Proc | undefined) => commitOf(p) === sha && versionOf(p) === ref;
    if (existing?.pm2_env?.status === "online" && onIt(existing) && (await healthy(port, config.healthPath))) {
      out(`${name} already runs ${ref} (${sha.slice(0, 12)}) on port ${port}`);
      return existing;
    }
    const apps = readApps(t);
    const scriptPath = pointCurrent(t, name, dir);
    apps[role] = { name, cwd: dir, script: scriptPath, autorestart: true, ...logPaths(t, name), env: { PORT: String(port), VERSION: ref, COMMIT: sha } };
    writeApps(t, apps);
    const eco = ecosystemFile(t);
    if (existing) {
      out(`pm2 reload ${eco} --only ${name} (${ref}, ${sha.slice(0, 12)})`);
      await pm((a, cb) => a.reload(eco, { only: name, updateEnv: true }, cb));
    } else {
      out(`pm2 start ${eco} --only ${name} (${ref}, ${sha.slice(0, 12)})`);
      await pm((a, cb) => a.start(eco, { only: name }, cb));
    }
    const p = await waitOnline(name, port, onIt, `commit ${sha.slice(0, 12)}`);
    out(`${name} online: pm2 id ${p.pm_id ?? "?"}, pid ${p.pid ?? "?"}, port ${port}, ${ref} (${sha.slice(0, 12)})`);
    return p;
  }

  async function removeGitApp(t: DriverTarget, role: "canary") {
    await remove(names(t)[role]);
    const apps = readApps(t);
    if (apps[role]) {
      apps[role] = null;
      writeApps(t, apps);
    }
  }

  // ---- the proxy in front (HAProxy), when configured ----

  const splitter = (t: DriverTarget) =>
    config.proxy ? haproxySplitter({ name: `pm2-${names(t).main}`, listenPort: config.proxy.listenPort, dataDir }) : null;
  async function pointProxy(t: DriverTarget, canary: boolean) {
    const s = splitter(t);
    if (!s) return;
    const main = await describe(names(t).main);
    const can = canary ? await describe(names(t).canary) : undefined;
    await s.ensure({
      stable: { host: "127.0.0.1", port: config.mainPort, version: versionOf(main) ?? undefined },
      canary: can ? { host: "127.0.0.1", port: config.canaryPort, version: versionOf(can) ?? undefined } : null,
    });
  }
  /**
   * Behind a proxy, main's reload would drop the requests sent to it meanwhile: while the canary
   * runs the version being promoted, it takes all traffic until main is back on that version.
   */
  async function canaryTakesAll(t: DriverTarget, runsPromoted: (p: Pm2Proc) => boolean, out: Output) {
    const s = splitter(t);
    const can = s ? await describe(names(t).canary) : undefined;
    if (!s || !can || can.pm2_env?.status !== "online" || !runsPromoted(can)) return;
    await s.setWeight(100);
    out(`proxy: 100% to ${names(t).canary} while ${names(t).main} reloads`);
  }
  const recordWeight = (t: DriverTarget, weight: number, opId?: string) => writeFileSync(weightFile(t), JSON.stringify({ weight, opId, at: Date.now() }));

  function make(out: Output): DeployDriver {
    return {
      async deploy(t, op) {
        if (!gitMode) {
          const main = await describe(names(t).main);
          if (!main) {
            // Nothing runs yet: the first version becomes main.
            await ensureScript(names(t).main, config.mainPort, op.stableVersion ?? op.version);
            if (!op.stableVersion) return;
          }
          await ensureScript(names(t).canary, config.canaryPort, op.version);
          await pointProxy(t, true);
          return;
        }
        const main = await describe(names(t).main);
        if (!main) {
          await ensureGit(t, "main", op.stableVersion ?? op.version, out);
          if (!op.stableVersion) {
            await pointProxy(t, false);
            return;
          }
        }
        await ensureGit(t, "canary", op.version, out);
        await pointProxy(t, true);
      },
      async setWeight(t, op) {
        const s = splitter(t);
        if (s) {
          await pointProxy(t, op.weight > 0);
          await s.setWeight(op.weight);
        }
        recordWeight(t, op.weight, op.opId);
      },
      async promote(t, op) {
        if (!gitMode) {
          // Runbook 000: reload main on the new version, then retire the canary.
          await canaryTakesAll(t, (c) => versionOf(c) === op.version, out);
          await ensureScript(names(t).main, config.mainPort, op.version);
          await pointProxy(t, false);
          await splitter(t)?.setWeight(0);
          await remove(names(t).canary);
          return;
        }
        // Runbook 000 section 4: tag the commit as deploy candidate, reload main, then retire the canary.
        const { sha } = await release(t, op.version, out, await runningCommits(t));
        const tag = await tagDeployCandidate(config.git!, sha, { service: t.serviceName, environment: t.environmentName, version: op.version }, { cacheDir: path.join(dataDir, "git") });
        out(`tagged ${sha.slice(0, 12)} as deploy candidate ${tag}`);
        const before = await describe(names(t).main);
        await canaryTakesAll(t, (c) => commitOf(c) === sha, out);
        const p = await ensureGit(t, "main", op.version, out);
        if (before && before.pm_id !== p.pm_id) out(`note: ${names(t).main} has a new pm2 id ${p.pm_id ?? "?"} (was ${before.pm_id ?? "?"})`);
        await pointProxy(t, false);
        await splitter(t)?.setWeight(0);
        recordWeight(t, 0, op.opId);
        await removeGitApp(t, "canary");
        return { tag, commit: sha };
      },
      async rollback(t) {
        await splitter(t)?.setWeight(0);
        recordWeight(t, 0);
        if (gitMode) await removeGitApp(t, "canary");
        else await remove(names(t).canary);
        await pointProxy(t, false);
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
          const commit = commitOf(p);
          out.push({ version: versionOf(p) ?? "?", role, healthy: ok, detail: `pm2 ${status}, pid ${p.pid ?? "-"}, port ${port}${commit ? `, commit ${commit.slice(0, 12)}` : ""}` });
        }
        const weight = existsSync(weightFile(t)) ? (JSON.parse(readFileSync(weightFile(t), "utf8")) as { weight: number }).weight : 0;
        return { weight, versions: out };
      },
      async reconcile(t) {
        // PM2 restarts what crashes; a daemon that was killed (or a host reboot) loses main: start it again
        // from the ecosystem file on the release dir it ran. A dead canary is left to the rollout's watch.
        if (!gitMode) return [];
        const wanted = readApps(t).main;
        if (!wanted || !existsSync(wanted.cwd) || (await describe(wanted.name))) return [];
        const eco = ecosystemFile(t);
        await pm((a, cb) => a.start(eco, { only: wanted.name }, cb));
        await waitOnline(wanted.name, config.mainPort, (p) => commitOf(p) === wanted.env.COMMIT, `commit ${wanted.env.COMMIT.slice(0, 12)}`);
        await pointProxy(t, false);
        return [`started ${wanted.name} again from ${eco} (${wanted.env.VERSION}, ${wanted.env.COMMIT.slice(0, 12)})`];
      },
      async processes(t) {
        const rows: { role: "stable" | "canary"; version: string; pid: number }[] = [];
        for (const [role, name] of [
          ["stable", names(t).main],
          ["canary", names(t).canary],
        ] as const) {
          const p = await describe(name);
          if (p?.pid && p.pm2_env?.status === "online") rows.push({ role, version: versionOf(p) ?? "?", pid: p.pid });
        }
        return rows;
      },
      async logFiles(t) {
        // The running process's paths; before it runs, where it will write (a log gate marks their sizes first).
        const files = async (name: string) => {
          const p = await describe(name);
          const known = [p?.pm2_env?.pm_out_log_path, p?.pm2_env?.pm_err_log_path].filter((f): f is string => !!f);
          if (known.length) return known;
          const planned = logPaths(t, name);
          return [planned.out_file, planned.error_file];
        };
        return { main: await files(names(t).main), canary: await files(names(t).canary) };
      },
      variantUrl(_t, variant) {
        return Promise.resolve(`http://127.0.0.1:${variant === "stable" ? config.mainPort : config.canaryPort}`);
      },
    };
  }

  const base = make(silent);
  const driver = {
    ...base,
    /** The same driver writing its progress (builds, reloads, tags) through `out` (the job log). */
    withOutput: (out: Output | undefined): DeployDriver => (out ? make(out) : base),
    /** Runbook 000's `pm2 list` for this target: main and canary with status, pid, version, commit, restarts and health. */
    async list(t: DriverTarget): Promise<Pm2ListRow[]> {
      const rows: Pm2ListRow[] = [];
      for (const [role, name, port] of [
        ["main", names(t).main, config.mainPort],
        ["canary", names(t).canary, config.canaryPort],
      ] as const) {
        const p = await describe(name);
        if (p) rows.push(await listRow(role, name, p, port, config));
      }
      return rows;
    },
    /** Whether the PM2 daemon runs (its pid file names a live process): read-only, never starts one (the web tier asks this). */
    daemonRunning: () => pm2DaemonRunning(opts.pm2Home),
    pm2Home: opts.pm2Home,
    /** Versions come from git (release dirs, ecosystem file). */
    usesGit: gitMode,
    /** The ecosystem file of this target (git mode). */
    ecosystemFile,
    names,
    close() {
      if (connected && api) api.disconnect();
      connected = null;
    },
    async killDaemon() {
      const a = await ready();
      await call((cb) => a.killDaemon(cb));
      a.disconnect();
      connected = null;
    },
  };
  return driver;
}
