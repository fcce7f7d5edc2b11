import "server-only";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { variableEnvName } from "@/lib/domain/commands";

/**
 * The one way Flightdeck runs a shell command (migrations, command-driver templates). Every
 * command comes from admin-managed service settings; here it also gets a scrubbed environment
 * (no Flightdeck secrets) and, when Flightdeck runs as root, an unprivileged user:
 *
 *   FLIGHTDECK_COMMAND_USER         user (name or uid) commands run as when Flightdeck is root
 *   FLIGHTDECK_ALLOW_ROOT_COMMANDS  "1": run them as root when no (or a root) user is configured
 *   FLIGHTDECK_COMMAND_ENV          names of more variables passed through (e.g. KUBECONFIG)
 *   FLIGHTDECK_COMMAND_CWD          working directory (default: the user's home, else /; as non-root: Flightdeck's)
 */

/** Environment variables as read here (process.env or a test's own). */
export type EnvVars = Readonly<Record<string, string | undefined>>;

export interface ShellOutcome {
  code: number | null;
  output: string;
  timedOut: boolean;
  /** Set when the command was not started, with why (e.g. it would have run as root). */
  refused?: string;
  /** Who it ran (or would have run) as, e.g. "nobody (uid 65534)". */
  runAs: string;
}

export interface ShellOptions {
  timeoutMs: number;
  /** Template variables, also passed as FLIGHTDECK_<NAME> environment variables. */
  vars?: Record<string, string | number | null>;
  onLine?: (line: string) => void;
  /** Where settings and passed-through variables are read from (tests); default process.env. */
  env?: EnvVars;
}

const OUTPUT_CAP = 64_000;
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Passed through when set: what a shell needs to find programs and format text. */
const BASE_VARIABLES = ["PATH", "LANG", "LANGUAGE", "TZ", "TERM"];
/** Flightdeck's own settings and secrets: never passed to a command, even when listed. */
const NEVER_PASSED = /^(FLIGHTDECK_|NEXTAUTH_|AUTH_|OIDC_|NEXT_|__NEXT)/;

export const ROOT_REFUSED =
  "Refused to run the command as root: set FLIGHTDECK_COMMAND_USER to an unprivileged user (e.g. nobody), or FLIGHTDECK_ALLOW_ROOT_COMMANDS=1 to allow root explicitly.";

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function parsePasswdLine(line: string): PasswdEntry | undefined {
  const [name, , uid, gid, , home] = line.trim().split(":");
  if (!name || uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  return { name, uid: Number(uid), gid: Number(gid), home: home || "/" };
}

/** A user by name or uid: /etc/passwd first, then getent (NSS: LDAP, sssd, ...). */
export function lookupUser(user: string): PasswdEntry | undefined {
  const matches = (e: PasswdEntry | undefined) => e && (e.name === user || String(e.uid) === user);
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const e = parsePasswdLine(line);
      if (matches(e)) return e;
    }
  } catch {
    // no /etc/passwd: ask getent
  }
  const r = spawnSync("getent", ["passwd", user], { encoding: "utf8", timeout: 5000 });
  const e = r.status === 0 ? parsePasswdLine(r.stdout.split("\n")[0] ?? "") : undefined;
  return matches(e) ? e : undefined;
}

/** Who commands run as, from the settings above; a refusal says why nothing may run. */
export type CommandIdentity =
  | { ok: true; uid?: number; gid?: number; home: string | undefined; user: string | undefined; cwd: string; label: string }
  | { ok: false; reason: string; label: string };

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export function commandIdentity(env: EnvVars = process.env, uid: number | undefined = process.getuid?.()): CommandIdentity {
  const configuredCwd = env.FLIGHTDECK_COMMAND_CWD?.trim() || undefined;
  if (uid !== 0) {
    // Not root: commands run as Flightdeck's own (already unprivileged) user.
    return { ok: true, home: env.HOME, user: env.USER ?? env.LOGNAME, cwd: configuredCwd ?? process.cwd(), label: `uid ${uid ?? "?"}` };
  }
  const allowRoot = env.FLIGHTDECK_ALLOW_ROOT_COMMANDS === "1";
  const asRoot = (): CommandIdentity => ({ ok: true, home: env.HOME ?? "/root", user: "root", cwd: configuredCwd ?? process.cwd(), label: "root (uid 0, FLIGHTDECK_ALLOW_ROOT_COMMANDS=1)" });
  const wanted = env.FLIGHTDECK_COMMAND_USER?.trim();
  if (!wanted) return allowRoot ? asRoot() : { ok: false, reason: ROOT_REFUSED, label: "root (uid 0)" };
  const entry = lookupUser(wanted);
  if (!entry) {
    return { ok: false, reason: `Refused to run the command: FLIGHTDECK_COMMAND_USER=${wanted} is not a user on this host, and Flightdeck runs as root.`, label: wanted };
  }
  if (entry.uid === 0) return allowRoot ? asRoot() : { ok: false, reason: `${ROOT_REFUSED} (FLIGHTDECK_COMMAND_USER=${wanted} is root.)`, label: `${entry.name} (uid 0)` };
  return {
    ok: true,
    uid: entry.uid,
    gid: entry.gid,
    home: entry.home,
    user: entry.name,
    // A cwd the user can enter: its home when that exists (nobody's is /nonexistent), else /.
    cwd: configuredCwd ?? (isDir(entry.home) ? entry.home : "/"),
    label: `${entry.name} (uid ${entry.uid})`,
  };
}

/**
 * The environment a command gets: an allowlist (PATH, locale, TZ, HOME/USER of whoever runs it),
 * the variables named in FLIGHTDECK_COMMAND_ENV except Flightdeck's own, and the template
 * variables as FLIGHTDECK_<NAME>. Never NEXTAUTH_SECRET, OIDC secrets, the database path or keys.
 */
export function commandEnv(env: EnvVars, who: { home: string | undefined; user: string | undefined }, vars: Record<string, string | number | null> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const extra = (env.FLIGHTDECK_COMMAND_ENV ?? "").split(/[\s,]+/).filter(Boolean);
  for (const name of Object.keys(env)) {
    const value = env[name];
    if (value === undefined || NEVER_PASSED.test(name)) continue;
    if (BASE_VARIABLES.includes(name) || name.startsWith("LC_") || extra.includes(name)) out[name] = value;
  }
  out.PATH ??= DEFAULT_PATH;
  out.SHELL = "/bin/sh";
  if (who.home) out.HOME = who.home;
  if (who.user) out.USER = out.LOGNAME = who.user;
  for (const [name, value] of Object.entries(vars)) out[variableEnvName(name)] = value === null ? "" : String(value);
  return out;
}

/** Flightdeck's secrets: dropped from the environment of every process Flightdeck starts. */
const SECRET = /^(NEXTAUTH_|AUTH_|OIDC_)|^FLIGHTDECK_.*(SECRET|KEY|TOKEN|PASSWORD)/;

/**
 * The environment for processes of Flightdeck's own data plane (local driver: router, versions):
 * everything but Flightdeck's secrets. They keep FLIGHTDECK_DB (the router writes samples; cleanup
 * finds leftovers by it). Shell commands get the much narrower commandEnv instead.
 */
export function withoutSecrets(env: EnvVars): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET.test(name))) as NodeJS.ProcessEnv;
}

/**
 * Runs one command with `/bin/sh -c` under a hard timeout (its whole process group is killed);
 * output (stdout+stderr, capped) is returned for the job log. Never throws: a refusal or a spawn
 * error comes back as an outcome.
 */
export function runShell(command: string, opts: ShellOptions): Promise<ShellOutcome> {
  const source = opts.env ?? process.env;
  const who = commandIdentity(source);
  if (!who.ok) return Promise.resolve({ code: null, output: who.reason, timedOut: false, refused: who.reason, runAs: who.label });
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    let settled = false;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, output, timedOut, runAs: who.label });
    };
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      if (output.length < OUTPUT_CAP) output += text;
      if (opts.onLine) for (const line of text.split("\n").filter(Boolean)) opts.onLine(line);
    };
    const child = spawn("/bin/sh", ["-c", command], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      cwd: who.cwd,
      // Next's types make NODE_ENV required on ProcessEnv; a command's environment is the allowlist only.
      env: commandEnv(source, who, opts.vars) as NodeJS.ProcessEnv,
      ...(who.uid !== undefined ? { uid: who.uid, gid: who.gid } : {}),
    });
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL"); // the whole process group: a hung script's children too
      } catch {
        child.kill("SIGKILL");
      }
    }, opts.timeoutMs);
    child.on("error", (err) => {
      output += `could not start the command as ${who.label} in ${who.cwd}: ${err.message}`;
      finish(null);
    });
    child.on("close", (code) => finish(code));
  });
}

