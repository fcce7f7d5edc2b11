// Process helpers of the crash test: the Flightdeck processes it kills and restarts, free ports,
// and a sweep that ends every process started for one test database (and nothing else).
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync, readdirSync, unlinkSync, writeFileSync, type WriteStream } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Incarnation {
  generation: number;
  pid: number;
  startedAt: number;
  /** When the process printed its ready line (null until then). */
  readyAt: number | null;
  exitedAt: number | null;
  child: ChildProcess;
}

/**
 * One Flightdeck process (worker or web) that is SIGKILLed and started again. The command must be
 * the process itself, not a wrapper that spawns it (tsx's CLI and npx do), or SIGKILL would only
 * hit the wrapper and leave the real process running.
 */
export class Restartable {
  current: Incarnation | null = null;
  generation = 0;
  /** Exits nobody asked for (not SIGKILLed or stopped by the test): a crash of its own. */
  readonly unexpectedExits: { pid: number; generation: number; at: number; how: string; lastLines: string[] }[] = [];
  private readonly ended = new Set<number>();
  private readonly log: WriteStream;
  private lineListeners: ((line: string, inc: Incarnation) => void)[] = [];

  constructor(
    readonly name: string,
    private readonly cmd: string,
    private readonly args: string[],
    private readonly opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; readyLine: RegExp },
  ) {
    this.log = createWriteStream(opts.logFile, { flags: "a" });
  }

  onLine(fn: (line: string, inc: Incarnation) => void): void {
    this.lineListeners.push(fn);
  }

  start(): Incarnation {
    const child = spawn(this.cmd, this.args, { cwd: this.opts.cwd, env: this.opts.env, stdio: ["ignore", "pipe", "pipe"] });
    if (!child.pid) throw new Error(`${this.name} did not start`);
    const inc: Incarnation = { generation: ++this.generation, pid: child.pid, startedAt: Date.now(), readyAt: null, exitedAt: null, child };
    this.log.write(`\n--- ${this.name} #${inc.generation} pid ${inc.pid} started ${new Date(inc.startedAt).toISOString()}\n`);
    let buffered = "";
    const recent: string[] = [];
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      buffered += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (inc.readyAt === null && this.opts.readyLine.test(line)) inc.readyAt = Date.now();
        recent.push(line);
        if (recent.length > 10) recent.shift();
        for (const fn of this.lineListeners) fn(line, inc);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code, signal) => {
      inc.exitedAt = Date.now();
      if (!this.ended.has(inc.pid)) this.unexpectedExits.push({ pid: inc.pid, generation: inc.generation, at: inc.exitedAt, how: String(signal ?? code), lastLines: [...recent] });
      this.log.write(`--- ${this.name} #${inc.generation} pid ${inc.pid} exited (${signal ?? code})\n`);
    });
    this.current = inc;
    return inc;
  }

  /** SIGKILL, no warning: the process gets no chance to clean up. */
  kill9(): Incarnation | null {
    const inc = this.current;
    if (!inc) return null;
    this.ended.add(inc.pid);
    try {
      process.kill(inc.pid, "SIGKILL");
    } catch {
      // already gone
    }
    this.current = null;
    return inc;
  }

  async stop(timeoutMs = 3000): Promise<void> {
    const inc = this.current;
    this.current = null;
    if (!inc || inc.exitedAt !== null) return;
    this.ended.add(inc.pid);
    const exited = new Promise<void>((resolve) => inc.child.once("exit", () => resolve()));
    try {
      process.kill(inc.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs));
    if ((await Promise.race([exited, timer])) === "timeout") {
      try {
        process.kill(inc.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }

  close(): void {
    this.log.end();
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

const claimFile = (base: number) => path.join(tmpdir(), `flightdeck-crash-ports-${base}.lock`);

/** Claims a port block for this process (exclusive create); a claim whose owner died is taken over. */
function claim(base: number): boolean {
  const file = claimFile(base);
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch {
    const owner = Number(readFileSync(file, "utf8"));
    if (owner && alive(owner)) return false;
    writeFileSync(file, String(process.pid));
    return true;
  }
}

/** Gives the block back (only if this process still holds it). */
export function releasePorts(base: number): void {
  try {
    if (Number(readFileSync(claimFile(base), "utf8")) === process.pid) unlinkSync(claimFile(base));
  } catch {
    // never claimed
  }
}

/**
 * A base port whose whole block is free and claimed by this run (so that crash tests running at
 * the same time never share routers): the local driver uses base + 100 * (environment id - 1)
 * (+1 admin, +10/+11 versions); the web server gets base + 50. Blocks stay below the ephemeral
 * range (32768+), where the test's own outgoing connections could hold a port a version needs.
 */
export async function findFreeBase(random: () => number, environments: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(random() * 60) * 200;
    const ports = [base + 50];
    for (let e = 0; e < environments; e++) ports.push(...[0, 1, 10, 11].map((d) => base + 100 * e + d));
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean) && claim(base)) return base;
  }
  throw new Error("no free port block found");
}

/**
 * Every process whose environment names this test's database (the worker, the web server and all
 * they spawned: routers, versions, demo traffic). Only processes of this test run match.
 */
export function processesOf(dbFile: string): { pid: number; cmd: string; env: Record<string, string> }[] {
  const marker = `FLIGHTDECK_DB=${dbFile}`;
  const found: { pid: number; cmd: string; env: Record<string, string> }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || pid === process.ppid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (!environ.includes(marker)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      const env: Record<string, string> = {};
      for (const kv of environ) {
        const eq = kv.indexOf("=");
        if (["PORT", "VERSION", "ROUTER_PORT"].includes(kv.slice(0, eq))) env[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      found.push({ pid, cmd, env });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

/** SIGKILLs the given pids (those still alive) and returns how many it killed. */
export function killAll(pids: number[]): number {
  let n = 0;
  for (const pid of new Set(pids)) {
    if (!pid || pid === process.pid || !alive(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
      n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Small seeded PRNG (the benches' one), so a run can be replayed with --seed. */
export { seededRandom } from "../sim/rng";

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
