import "server-only";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { type EnvVars, commandEnv, commandIdentity } from "../shell";

/**
 * Versions from git (runbook 000, issue 13 item 1): a version is a commit or tag of `repo`; each is
 * exported (`git archive`, no link back to any repository) into its own release directory, built
 * once with the admin's build command, and kept for the last `keepReleases` releases.
 */
export interface GitSource {
  /** A local path or a URL the host can reach. */
  repo: string;
  /** Shell command run in the release directory (admin-defined config, never holds the ref). */
  build: string;
  keepReleases: number;
  /** Tag created on promotion, e.g. `deploy-candidate-{{environment}}-{{shortSha}}`. */
  tagPattern: string;
  buildTimeoutSeconds: number;
}

/** A git step that cannot go on: the message is specific and shown in the rollout log. */
export class ReleaseError extends AppError {
  constructor(message: string) {
    super("PRECONDITION_FAILED", message);
    this.name = "ReleaseError";
  }
}

/** Written into a release directory after its build succeeded: the directory is reused as is. */
export const BUILT_MARKER = ".flightdeck-built";
const GIT_TIMEOUT_MS = 120_000;
/** A ref as people write it (sha, tag, branch): no options, no shell or revision syntax. */
const REF = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs git without a shell; GIT_TERMINAL_PROMPT=0 so a private URL fails instead of waiting for a password. */
function git(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn("git", args, {
      cwd: opts.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      // Only the usual transports (no ext:: helper running a command named in the repository setting).
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/true", SSH_ASKPASS: "/bin/true", GIT_SSH_COMMAND: "ssh -o BatchMode=yes", GIT_ALLOW_PROTOCOL: "file:git:http:https:ssh" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? GIT_TIMEOUT_MS);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `could not run git: ${err.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const firstLine = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .find(Boolean) ?? "";

const defaultCacheDir = () => path.join(tmpdir(), "flightdeck-git-mirrors");

/** Local bare mirror of `repo` (one per repository), the only place the ref is resolved and exported from. */
export function mirrorDir(repo: string, cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, `${createHash("sha256").update(repo).digest("hex").slice(0, 16)}.git`);
}

// One fetch per mirror (one prepare per release root) at a time within this process.
const mirrorLocks = new Map<string, Promise<unknown>>();
function locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = mirrorLocks.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  mirrorLocks.set(
    key,
    next.catch(() => undefined),
  );
  return next;
}

/** Clones (first time) or fetches the mirror of `repo`; a repository that cannot be read fails with its name. */
async function syncMirror(repo: string, cacheDir: string): Promise<string> {
  if (!repo.trim() || repo.startsWith("-")) throw new ReleaseError(`Repository ${repo} does not exist or cannot be read.`);
  const dir = mirrorDir(repo, cacheDir);
  return locked(dir, async () => {
    mkdirSync(cacheDir, { recursive: true });
    let r: Run;
    if (existsSync(path.join(dir, "HEAD"))) {
      r = await git(["fetch", "--prune", "--tags", "--force", "origin", "+refs/*:refs/*"], { cwd: dir });
    } else {
      const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
      r = await git(["clone", "--mirror", "--quiet", "--", repo, tmp]);
      if (r.code === 0) renameSync(tmp, dir);
      else rmSync(tmp, { recursive: true, force: true });
    }
    if (r.code !== 0) {
      const why = firstLine(r.stderr);
      throw new ReleaseError(`Repository ${repo} does not exist or cannot be read${why ? ` (${why.replace(/^fatal:\s*/, "")})` : ""}.`);
    }
    return dir;
  });
}

/** Full sha of `ref` (a commit, tag or branch) in `repo`. */
export async function resolveCommit(repo: string, ref: string, opts: { cacheDir?: string } = {}): Promise<string> {
  const wanted = ref.trim();
  if (!REF.test(wanted) || wanted.endsWith(".lock") || wanted.endsWith("/") || wanted.endsWith(".")) {
    throw new ReleaseError(`Commit ${ref} does not resolve in ${repo}: a version is a commit sha, a tag or a branch name.`);
  }
  const mirror = await syncMirror(repo, opts.cacheDir ?? defaultCacheDir());
  const r = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${wanted}^{commit}`], { cwd: mirror });
  const sha = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-f]{40}$/.test(sha)) throw new ReleaseError(`Commit ${ref} does not resolve in ${repo}.`);
  return sha;
}

/** Directory holding the release directories of one service (one per commit, named by its full sha). */
export function releasesRoot(dataDir: string, serviceName: string): string {
  return path.join(dataDir, "releases", serviceName.replace(/[^A-Za-z0-9._-]/g, "_"));
}

/** The release directories present, newest first (by when they were last used). */
export function listReleases(dataDir: string, serviceName: string): { sha: string; dir: string; built: boolean; usedAt: number }[] {
  const root = releasesRoot(dataDir, serviceName);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => /^[0-9a-f]{40}$/.test(n))
    .map((sha) => {
      const dir = path.join(root, sha);
      const marker = path.join(dir, BUILT_MARKER);
      const built = existsSync(marker);
      return { sha, dir, built, usedAt: statSync(built ? marker : dir).mtimeMs };
    })
    .sort((a, b) => b.usedAt - a.usedAt);
}

/** Exports commit `sha` of the mirror into `dir` (git archive | tar -x): a plain tree, no .git. */
async function exportTree(mirror: string, sha: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const archive = spawn("git", ["archive", "--format=tar", sha], { cwd: mirror, stdio: ["ignore", "pipe", "pipe"] });
    const tar = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    archive.stderr.on("data", (c: Buffer) => (err += c.toString()));
    tar.stderr.on("data", (c: Buffer) => (err += c.toString()));
    archive.stdout.pipe(tar.stdin);
    let codes = 0;
    let failed = false;
    const done = (code: number | null) => {
      if (code !== 0) failed = true;
      if (++codes < 2) return;
      if (failed) reject(new ReleaseError(`Could not check out ${sha}: ${firstLine(err) || "git archive failed"}.`));
      else resolve();
    };
    archive.on("close", done);
    tar.on("close", done);
    archive.on("error", () => done(1));
    tar.on("error", () => done(1));
  });
}

/**
 * Runs the build with `sh -c` in the release directory, every output line through onOutput; a
 * timeout or an abort kills its whole process group. Runs as the command user of lib/drivers/shell.ts.
 */
function runBuild(src: GitSource, dir: string, o: { onOutput: (line: string) => void; signal?: AbortSignal; env?: EnvVars; vars: Record<string, string> }): Promise<void> {
  const env = o.env ?? process.env;
  const who = commandIdentity(env);
  if (!who.ok) return Promise.reject(new ReleaseError(`Build not started: ${who.reason}`));
  if (who.uid !== undefined) chownTree(dir, who.uid, who.gid ?? who.uid);
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", src.build], {
      cwd: dir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: commandEnv(env, who, o.vars) as NodeJS.ProcessEnv,
      ...(who.uid !== undefined ? { uid: who.uid, gid: who.gid } : {}),
    });
    let tail = "";
    let timedOut = false;
    let partial = "";
    const take = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) o.onOutput(line);
      tail = (tail + chunk.toString()).slice(-2000);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const killGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL"); // the whole group: a hung build's children too
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, src.buildTimeoutSeconds * 1000);
    const onAbort = () => killGroup();
    o.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new ReleaseError(`Build could not start in ${dir}: ${err.message}.`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      if (partial.trim()) o.onOutput(partial);
      if (timedOut) return reject(new ReleaseError(`Build timed out after ${src.buildTimeoutSeconds} s and was stopped (its process group was killed).`));
      if (o.signal?.aborted) return reject(new ReleaseError("Build cancelled."));
      if (code !== 0) {
        const last = tail.trim().split("\n").pop()?.trim();
        return reject(new ReleaseError(`Build failed with exit code ${code}${last ? `: ${last}` : ""}.`));
      }
      resolve();
    });
  });
}

function chownTree(dir: string, uid: number, gid: number) {
  const walk = (p: string) => {
    lchownSync(p, uid, gid);
    if (lstatSync(p).isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
  };
  walk(dir);
}

/**
 * A built release directory for `ref`: reused when it was built before (marker present, no
 * rebuild), else exported and built. Keeps the last `keepReleases` directories plus `keep` (the
 * shas running now), removing older ones.
 */
export async function prepareRelease(
  src: GitSource,
  o: { dataDir: string; serviceName: string; ref: string; onOutput: (line: string) => void; signal?: AbortSignal; keep?: string[]; env?: EnvVars; cacheDir?: string },
): Promise<{ sha: string; dir: string; reused: boolean }> {
  const cacheDir = o.cacheDir ?? path.join(o.dataDir, "git");
  const sha = await resolveCommit(src.repo, o.ref, { cacheDir });
  const root = releasesRoot(o.dataDir, o.serviceName);
  // One prepare per service at a time in this process: two environments deploying the same commit
  // would otherwise export into (or prune) the same directory at once.
  return locked(root, () => prepareIn(src, o, sha, root, cacheDir));
}

async function prepareIn(
  src: GitSource,
  o: { dataDir: string; serviceName: string; ref: string; onOutput: (line: string) => void; signal?: AbortSignal; keep?: string[]; env?: EnvVars },
  sha: string,
  root: string,
  cacheDir: string,
): Promise<{ sha: string; dir: string; reused: boolean }> {
  const dir = path.join(root, sha);
  const marker = path.join(dir, BUILT_MARKER);
  if (existsSync(marker)) {
    const now = new Date();
    writeFileSync(marker, `${now.toISOString()}\n`);
    o.onOutput(`reused release dir ${dir} (commit ${sha.slice(0, 12)}, built before: no rebuild)`);
    prune(o.dataDir, o.serviceName, src.keepReleases, [sha, ...(o.keep ?? [])], o.onOutput);
    return { sha, dir, reused: true };
  }
  // A directory without the marker is a build that failed or was cut short: start it again clean.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const mirror = mirrorDir(src.repo, cacheDir);
  o.onOutput(`checking out ${o.ref} (${sha.slice(0, 12)}) into ${dir}`);
  await exportTree(mirror, sha, dir);
  o.onOutput(`building ${sha.slice(0, 12)}: ${src.build}`);
  try {
    await runBuild(src, dir, { onOutput: o.onOutput, signal: o.signal, env: o.env, vars: { sha, ref: o.ref, service: o.serviceName, releaseDir: dir } });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  o.onOutput(`built ${sha.slice(0, 12)} in ${dir}`);
  prune(o.dataDir, o.serviceName, src.keepReleases, [sha, ...(o.keep ?? [])], o.onOutput);
  return { sha, dir, reused: false };
}

/** Removes built release directories beyond the newest `keepReleases`, never one in `keep` (a build in progress has no marker yet and is left alone). */
export function prune(dataDir: string, serviceName: string, keepReleases: number, keep: string[], onOutput: (line: string) => void = () => {}) {
  const built = listReleases(dataDir, serviceName).filter((r) => r.built);
  let room = Math.max(0, keepReleases - built.filter((r) => keep.includes(r.sha)).length);
  for (const r of built) {
    if (keep.includes(r.sha)) continue;
    if (room > 0) {
      room--;
      continue;
    }
    rmSync(r.dir, { recursive: true, force: true });
    onOutput(`removed old release dir ${r.dir}`);
  }
}

/** The tag name from the pattern: `{{service}}`, `{{environment}}`, `{{sha}}`, `{{shortSha}}`, `{{version}}`. */
export function renderTag(pattern: string, vars: Record<string, string>): string {
  return pattern.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, name: string) => vars[name] ?? all);
}

/**
 * Tags `sha` as deploy candidate (runbook 000 section 4) in the source repository (pushed from the
 * mirror, so a local path and a URL work alike). A tag already on `sha` is kept (idempotent).
 */
export async function tagDeployCandidate(
  src: GitSource,
  sha: string,
  vars: { service: string; environment: string; version?: string },
  opts: { cacheDir?: string } = {},
): Promise<string> {
  const name = renderTag(src.tagPattern, { service: vars.service, environment: vars.environment, sha, shortSha: sha.slice(0, 7), version: vars.version ?? sha });
  const valid = await git(["check-ref-format", `refs/tags/${name}`]);
  if (valid.code !== 0 || /\{\{|\s/.test(name)) throw new ReleaseError(`Tag ${name} (from the pattern ${src.tagPattern}) is not a valid git tag name.`);
  const mirror = await syncMirror(src.repo, opts.cacheDir ?? defaultCacheDir());
  const existing = await git(["rev-parse", "--verify", "--quiet", `refs/tags/${name}^{commit}`], { cwd: mirror });
  if (existing.code === 0 && existing.stdout.trim() === sha) return name;
  if (existing.code === 0) throw new ReleaseError(`Tag ${name} already exists on another commit (${existing.stdout.trim().slice(0, 12)}).`);
  const tag = await git(["-c", "user.name=Flightdeck", "-c", "user.email=flightdeck@localhost", "tag", "-a", "-m", `Deploy candidate for ${vars.environment}`, name, sha], { cwd: mirror });
  if (tag.code !== 0) throw new ReleaseError(`Could not tag ${sha.slice(0, 12)} as ${name}: ${firstLine(tag.stderr)}.`);
  // To the repository itself, not `origin`: a mirror's remote pushes every ref (remote.origin.mirror).
  const push = await git(["push", "--quiet", "--", src.repo, `refs/tags/${name}:refs/tags/${name}`], { cwd: mirror });
  if (push.code !== 0) {
    await git(["tag", "-d", name], { cwd: mirror });
    throw new ReleaseError(`Could not push tag ${name} to ${src.repo}: ${firstLine(push.stderr)}.`);
  }
  return name;
}
