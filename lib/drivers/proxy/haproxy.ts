import "server-only";
import { execFile, spawn } from "node:child_process";
import { lookup } from "node:dns/promises";
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { processAlive } from "../process";
import { withoutSecrets } from "../shell";

export interface Upstream {
  host: string;
  port: number;
  /** Version label of what runs there (written with the per-variant metrics); optional. */
  version?: string;
}
export interface VariantStats {
  requests: number;
  errors5xx: number;
  avgMs: number | null;
}
export interface HaproxySplitter {
  /** Starts (or adopts a running) haproxy for this name; points the stable/canary servers at the upstreams (runtime API, no reload). */
  ensure(u: { stable: Upstream; canary: Upstream | null }): Promise<void>;
  /** Canary weight 0..100 via the runtime API, no reload, no dropped request. */
  setWeight(weight: number): Promise<void>;
  stats(): Promise<{ stable: VariantStats; canary: VariantStats; weight: number }>;
  stop(): Promise<void>;
}

/** A sticky split: the same header or cookie value always lands on the same variant (for a given weight). */
export interface StickyKey {
  header?: string;
  cookie?: string;
}

export interface HaproxySplitterOptions {
  name: string;
  listenPort: number;
  dataDir: string;
  sticky?: StickyKey;
  /** Per-variant per-second samples into Flightdeck's metric_samples (the builtin analysis), from HAProxy's request log. */
  metrics?: { dbFile: string; serviceId: number; environmentId: number };
  /** Listen address; 127.0.0.1 unless given. */
  bindHost?: string;
}

/** What the splitter keeps on disk: the wanted split, re-applied when haproxy is (re)started. */
export interface SplitterState {
  stable: (Upstream & { ip: string }) | null;
  canary: (Upstream & { ip: string }) | null;
  weight: number;
  /** When the last weight was sent to the runtime API (epoch ms). */
  weightAt: number | null;
}

/** A failure talking to HAProxy, phrased for the operator (no stack, the socket and what to do). */
export class HaproxyError extends Error {
  override name = "HaproxyError";
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const NAME = /^[A-Za-z0-9._-]{1,80}$/;
/** sun_path holds 108 bytes including the terminating zero. */
const MAX_SOCKET_PATH = 107;

/** The haproxy binary: $HAPROXY_BIN, then PATH, then /usr/sbin (not on PATH for non-root users). */
export function haproxyBinary(): string {
  const candidates = [process.env.HAPROXY_BIN, ...(process.env.PATH ?? "").split(":").filter(Boolean).map((d) => path.join(d, "haproxy")), "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) throw new HaproxyError("HAProxy is not installed: install the Debian package `haproxy` (apt-get install haproxy) or set HAPROXY_BIN.");
  return found;
}

/**
 * Sends one runtime-API command line to a HAProxy stats socket and returns its whole answer
 * (HAProxy closes the connection after answering a non-interactive command).
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let out = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new HaproxyError(`HAProxy runtime API at ${socketPath} did not answer "${command}" within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.end(`${command}\n`));
    sock.on("data", (d: string) => (out += d));
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        err.code === "ENOENT"
          ? "does not exist (haproxy is not running for this proxy)"
          : err.code === "ECONNREFUSED"
            ? "refused the connection (nothing listens on it: haproxy stopped or crashed)"
            : err.code === "EACCES"
              ? "is not accessible to this user (permission denied)"
              : `could not be reached (${err.code ?? err.message})`;
      reject(new HaproxyError(`HAProxy runtime API at ${socketPath} ${why}.`));
    });
  });
}

/** Parses `show stat` CSV into rows keyed by column name. */
export function parseShowStat(csv: string): Record<string, string>[] {
  const lines = csv.split("\n").filter((l) => l.trim());
  const header = lines[0]?.replace(/^# /, "").split(",");
  if (!header || header[0] !== "pxname") throw new HaproxyError(`HAProxy answered "show stat" with something else: ${csv.slice(0, 200)}`);
  return lines.slice(1).map((l) => {
    const cells = l.split(",");
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
  });
}

async function resolveIp(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw new HaproxyError(`Upstream host "${host}" does not resolve to an address.`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `pid` runs a command line containing `needle` (a pid file may outlive its process and the pid be reused). */
function runs(pid: number, needle: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle);
  } catch {
    return false;
  }
}

/** Alive and not a zombie (a daemon whose reaper has not collected it yet is gone for us). */
function running(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/**
 * HAProxy as the traffic splitter of one service (REQUIREMENTS H7): one haproxy process per name,
 * daemonized (it outlives Flightdeck like the embedded router), controlled through its runtime API
 * on a unix socket (reloaded only when its listen port or split mode changes). The canary share is a runtime map entry read per request:
 * `rand(100) < weight` (or a hash of the sticky key < weight), so the split is an exact weighted
 * random choice; HAProxy's own `balance random` places servers on a hash ring and measured 27.6%
 * at weight 25 and 52.2% at 50. The wanted split is also kept on disk and written into the
 * config, so a haproxy restarted after a crash serves the same split.
 */
export function haproxySplitter(opts: HaproxySplitterOptions): HaproxySplitter & {
  /** Restarts a dead haproxy (or metrics collector) with the recorded split; says what it did. */
  reconcile(): Promise<string[]>;
  /** The recorded split (null before the first ensure). */
  state(): SplitterState | null;
  /** Whether haproxy answers on its runtime socket now. */
  running(): Promise<boolean>;
  readonly socketPath: string;
  readonly configPath: string;
} {
  if (!NAME.test(opts.name)) throw new HaproxyError(`Proxy name "${opts.name}" may only contain letters, digits, dot, dash and underscore.`);
  for (const [kind, v] of [
    ["header", opts.sticky?.header],
    ["cookie", opts.sticky?.cookie],
  ] as const) {
    if (v !== undefined && !TOKEN.test(v)) throw new HaproxyError(`Sticky ${kind} name "${v}" is not a valid ${kind} name.`);
  }
  const dir = path.join(opts.dataDir, "haproxy");
  const file = (ext: string) => path.join(dir, `${opts.name}.${ext}`);
  const socketPath = file("sock");
  const configPath = file("cfg");
  const mapPath = file("map");
  const pidPath = file("pid");
  const statePath = file("json");
  const collectorPidPath = file("collector.pid");
  if (socketPath.length > MAX_SOCKET_PATH) {
    throw new HaproxyError(`The runtime socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} characters (a unix socket limit); use a shorter data directory or proxy name.`);
  }

  function load(): SplitterState | null {
    return existsSync(statePath) ? (JSON.parse(readFileSync(statePath, "utf8")) as SplitterState) : null;
  }
  function atomicWrite(p: string, text: string) {
    writeFileSync(`${p}.tmp`, text);
    renameSync(`${p}.tmp`, p);
  }
  function save(s: SplitterState) {
    mkdirSync(dir, { recursive: true });
    atomicWrite(statePath, JSON.stringify(s, null, 2));
    atomicWrite(mapPath, `w ${effectiveWeight(s)}\n`);
    atomicWrite(configPath, config(s));
  }
  const effectiveWeight = (s: SplitterState) => (s.canary ? s.weight : 0);

  function config(s: SplitterState): string {
    const stable = s.stable ?? { ip: "127.0.0.1", port: 9 };
    const canary = s.canary ?? stable;
    const key = opts.sticky?.header ? `req.hdr(${opts.sticky.header})` : opts.sticky?.cookie ? `req.cook(${opts.sticky.cookie})` : null;
    const addr = (ip: string, port: number) => (net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);
    return [
      `# Written by Flightdeck for proxy "${opts.name}"; changed at run time through ${path.basename(socketPath)}, never reloaded.`,
      "global",
      `  stats socket ${socketPath} level admin mode 600`,
      "  stats timeout 24h",
      "ring reqlog",
      "  format raw",
      "  maxlen 256",
      "  size 8388608",
      "defaults",
      "  mode http",
      "  timeout connect 5s",
      "  timeout client 65s",
      "  timeout server 60s",
      "  timeout http-keep-alive 65s",
      "  retries 2",
      "  option redispatch",
      "  log ring@reqlog local0",
      // One line per request: server, status, active time (ms), for the metrics collector.
      '  log-format "%s %ST %Ta"',
      "frontend fe",
      `  bind ${addr(opts.bindHost ?? "127.0.0.1", opts.listenPort)}`,
      "  default_backend be",
      "backend be",
      "  balance random(1)",
      `  http-request set-var(txn.w) str(w),map_str_int(${mapPath},0)`,
      "  http-request set-var(txn.pick) rand(100)",
      ...(key ? [`  http-request set-var(txn.pick) ${key},xxh32,mod(100) if { ${key} -m found }`] : []),
      "  use-server canary if { var(txn.pick),sub(txn.w) lt 0 }",
      "  use-server stable unless { var(txn.pick),sub(txn.w) lt 0 }",
      `  server stable ${addr(stable.ip, stable.port)} weight 1${s.stable ? "" : " disabled"}`,
      `  server canary ${addr(canary.ip, canary.port)} weight 1${s.canary ? "" : " disabled"}`,
      "",
    ].join("\n");
  }

  /** Runs a runtime command; an answer that is not a success is an error naming the command. */
  async function run(command: string, ok: (answer: string) => boolean = (a) => a.trim() === ""): Promise<string> {
    const answer = await runtimeCommand(socketPath, command);
    if (!ok(answer)) throw new HaproxyError(`HAProxy refused "${command}": ${answer.trim() || "(no answer)"}`);
    return answer;
  }

  async function runningPid(): Promise<number | null> {
    if (!existsSync(socketPath)) return null;
    try {
      const info = await runtimeCommand(socketPath, "show info", 2000);
      const pid = /^Pid: (\d+)$/m.exec(info)?.[1];
      return pid ? Number(pid) : null;
    } catch {
      return null;
    }
  }

  /** What only a restart changes (listen address, split mode, paths): the config without the split. */
  const shape = () => config({ stable: null, canary: null, weight: 0, weightAt: null });
  const shapePath = file("shape");

  /** Starts haproxy; with `replacing`, a graceful reload: the new process takes over, the old one finishes its requests (-sf). */
  async function start(replacing: number | null = null): Promise<void> {
    const bin = haproxyBinary();
    if (replacing === null) rmSync(socketPath, { force: true });
    const stderr = await new Promise<string | null>((resolve) => {
      execFile(bin, ["-D", "-f", configPath, "-p", pidPath, ...(replacing === null ? [] : ["-sf", String(replacing)])], { timeout: 15_000, env: withoutSecrets(process.env) }, (err, _out, errText) => resolve(err ? errText || err.message : null));
    });
    if (stderr !== null) {
      const alerts = stderr
        .split("\n")
        .filter((l) => /ALERT|error/i.test(l))
        .map((l) => l.replace(/^\[ALERT\]\s*\(\d+\)\s*:\s*/, ""))
        .join("; ");
      throw new HaproxyError(`HAProxy for "${opts.name}" did not start on port ${opts.listenPort}: ${alerts || stderr.trim()}`);
    }
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const pid = await runningPid();
      if (pid !== null && pid !== replacing) {
        atomicWrite(shapePath, shape());
        return;
      }
      await sleep(50);
    }
    throw new HaproxyError(`HAProxy for "${opts.name}" started but its runtime socket ${socketPath} did not answer within 10 s.`);
  }

  /** Points the running haproxy at the recorded split (idempotent). */
  async function apply(s: SplitterState): Promise<void> {
    const changed = (a: string) => /changed|no need to change/i.test(a) || a.trim() === "";
    if (s.stable) await run(`set server be/stable addr ${s.stable.ip} port ${s.stable.port}`, changed);
    await run(`set server be/stable state ${s.stable ? "ready" : "maint"}`);
    if (s.canary) {
      await run(`set server be/canary addr ${s.canary.ip} port ${s.canary.port}`, changed);
      await run("set server be/canary state ready");
      await run(`set map ${mapPath} w ${effectiveWeight(s)}`);
    } else {
      // Weight first: no request is sent to a canary in maintenance.
      await run(`set map ${mapPath} w 0`);
      await run("set server be/canary state maint");
    }
  }

  function collectorAlive(): boolean {
    if (!existsSync(collectorPidPath)) return false;
    const pid = Number(readFileSync(collectorPidPath, "utf8"));
    return running(pid) && runs(pid, "haproxy-collector");
  }

  function ensureCollector(): boolean {
    if (!opts.metrics || collectorAlive()) return false;
    const log = openSync(file("collector.log"), "a");
    const script = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "lib/drivers/proxy/haproxy-collector.mjs");
    const child = spawn(process.execPath, [script], {
      detached: true,
      stdio: ["ignore", log, log],
      env: {
        ...withoutSecrets(process.env),
        HAPROXY_SOCKET: socketPath,
        HAPROXY_STATE: statePath,
        FLIGHTDECK_DB: opts.metrics.dbFile,
        COLLECTOR_SERVICE_ID: String(opts.metrics.serviceId),
        COLLECTOR_ENVIRONMENT_ID: String(opts.metrics.environmentId),
      },
    });
    child.unref();
    writeFileSync(collectorPidPath, String(child.pid));
    return true;
  }

  /**
   * Starts haproxy (and the collector) when down, or reloads it gracefully when its listen port or
   * split mode changed (the runtime API cannot change those); true when a new haproxy now serves.
   */
  async function up(): Promise<"started" | "reloaded" | null> {
    let started: "started" | "reloaded" | null = null;
    const pid = await runningPid();
    if (pid === null) {
      await start();
      started = "started";
    } else if (!existsSync(shapePath) || readFileSync(shapePath, "utf8") !== shape()) {
      await start(pid);
      started = "reloaded";
    }
    ensureCollector();
    return started;
  }

  async function upstream(u: Upstream): Promise<Upstream & { ip: string }> {
    if (!Number.isInteger(u.port) || u.port < 1 || u.port > 65535) throw new HaproxyError(`Upstream port ${u.port} is not a port (1-65535).`);
    return { ...u, ip: await resolveIp(u.host) };
  }

  const stopPid = async (pid: number) => {
    if (!running(pid)) return;
    process.kill(pid, "SIGUSR1"); // soft stop: finishes the requests in flight
    for (let i = 0; i < 100 && running(pid); i++) await sleep(50);
    if (running(pid)) process.kill(pid, "SIGKILL");
  };

  return {
    socketPath,
    configPath,
    state: load,
    async running() {
      return (await runningPid()) !== null;
    },

    async ensure(u) {
      const before = load();
      const s: SplitterState = { weight: 0, weightAt: null, ...before, stable: await upstream(u.stable), canary: u.canary ? await upstream(u.canary) : null };
      save(s); // config first: a haproxy started now comes up with this split
      try {
        if (!(await up())) await apply(s);
      } catch (err) {
        // Refused: the record keeps the split that serves (a running haproxy kept it too).
        if (before) save(before);
        else for (const p of [statePath, mapPath, configPath]) rmSync(p, { force: true });
        throw err;
      }
    },

    async setWeight(weight) {
      if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new HaproxyError(`Weight must be a whole number from 0 to 100 (got ${weight}).`);
      const s = load();
      if (!s) throw new HaproxyError(`Proxy "${opts.name}" has no upstreams yet: deploy before setting a weight.`);
      const next = { ...s, weight, weightAt: Date.now() };
      save(next);
      await run(`set map ${mapPath} w ${effectiveWeight(next)}`);
    },

    async stats() {
      const rows = parseShowStat(await run("show stat", (a) => a.startsWith("# pxname")));
      const of = (srv: string): VariantStats => {
        const r = rows.find((x) => x.pxname === "be" && x.svname === srv);
        if (!r) throw new HaproxyError(`HAProxy has no server be/${srv}: the running haproxy was not configured by Flightdeck.`);
        const requests = Number(r.stot);
        return { requests, errors5xx: Number(r.hrsp_5xx), avgMs: requests > 0 && r.ttime !== "" ? Number(r.ttime) : null };
      };
      const w = await run(`get map ${mapPath} w`, (a) => /found=yes/.test(a));
      return { stable: of("stable"), canary: of("canary"), weight: Number(/value="(\d+)"/.exec(w)?.[1] ?? 0) };
    },

    async stop() {
      const pid = await runningPid();
      if (pid) await stopPid(pid);
      else if (existsSync(pidPath)) {
        const recorded = Number(readFileSync(pidPath, "utf8"));
        if (runs(recorded, configPath)) await stopPid(recorded);
      }
      if (existsSync(collectorPidPath)) {
        const collector = Number(readFileSync(collectorPidPath, "utf8"));
        if (runs(collector, "haproxy-collector")) await stopPid(collector);
      }
      for (const p of [socketPath, pidPath, collectorPidPath, shapePath]) rmSync(p, { force: true });
    },

    async reconcile() {
      const s = load();
      if (!s) return [];
      const repairs: string[] = [];
      const collectorWasUp = !opts.metrics || collectorAlive();
      save(s); // the config of these options: a changed port or split mode reloads
      const done = await up();
      if (done === "started") repairs.push(`haproxy "${opts.name}" restarted on port ${opts.listenPort}; split restored from its state file (canary weight ${effectiveWeight(s)}%)`);
      if (done === "reloaded") repairs.push(`haproxy "${opts.name}" reloaded gracefully: its listen port or split mode changed (now port ${opts.listenPort})`);
      if (!collectorWasUp) repairs.push(`haproxy metrics collector for "${opts.name}" restarted`);
      return repairs;
    },
  };
}
