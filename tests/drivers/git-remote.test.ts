import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitSource, prepareRelease, resolveCommit, tagDeployCandidate } from "@/lib/drivers/git/releases";
import { type GitApp, createGitApp } from "../support/git-app";

// Versions from git when the repository is a URL the host reaches (issue 13 item 1): the test's
// repository served by a real `git daemon` on 127.0.0.1 (git://, receive-pack on for the tag push),
// and as a file:// URL. The same code paths as a local path: mirror, resolve, export, build, tag.

// Builds run as an unprivileged user (as in production); root CI builds as nobody.
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";

let app: GitApp;
let daemon: ChildProcess;
let url: string;
let work: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the daemon answers a ls-remote (its readiness is a state, not a delay). */
async function untilServing(repoUrl: string): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const p = spawn("git", ["ls-remote", "--", repoUrl], { stdio: "ignore", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
      p.on("exit", (code) => resolve(code === 0));
    });
    if (ok) return;
    if (daemon.exitCode !== null) throw new Error(`git daemon exited with ${daemon.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const source = (repo: string): GitSource => ({ repo, build: app.build, keepReleases: 3, tagPattern: "deploy-candidate-{{environment}}-{{shortSha}}", buildTimeoutSeconds: 120 });

beforeAll(async () => {
  app = createGitApp();
  work = mkdtempSync(path.join(tmpdir(), "fd-git-remote-"));
  chmodSync(work, 0o755); // the build's user (nobody under root) reaches its release dir
  const port = await freePort();
  const base = path.dirname(app.repo);
  daemon = spawn("git", ["daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", `--base-path=${base}`, "--listen=127.0.0.1", `--port=${port}`, base], { stdio: "ignore" });
  url = `git://127.0.0.1:${port}/${path.basename(app.repo)}`;
  await untilServing(url);
}, 60_000);

afterAll(() => {
  daemon?.kill();
  rmSync(work, { recursive: true, force: true });
});

describe("versions from a repository URL (real git daemon)", () => {
  it("git://: commit 3 resolves, is exported into its own release dir and built; promotion's tag is pushed to the served repository", async () => {
    const dataDir = path.join(work, "data-git");
    const lines: string[] = [];
    const r = await prepareRelease(source(url), { dataDir, serviceName: "mission-control", ref: app.commits[2], onOutput: (l) => lines.push(l) });
    expect(r.sha).toBe(app.commits[2]);
    expect(r.reused).toBe(false);
    expect(JSON.parse(readFileSync(path.join(r.dir, "build.json"), "utf8"))).toMatchObject({ label: "good-3" });
    expect(lines.some((l) => l.startsWith(`building ${app.commits[2].slice(0, 12)}`))).toBe(true);

    const tag = await tagDeployCandidate(source(url), r.sha, { service: "mission-control", environment: "production" }, { cacheDir: path.join(dataDir, "git") });
    expect(tag).toBe(`deploy-candidate-production-${r.sha.slice(0, 7)}`);
    expect(app.tagTarget(tag)).toBe(r.sha);
  });

  it("file://: a short sha resolves to the full commit", async () => {
    const fileUrl = `file://${app.repo}`;
    expect(await resolveCommit(fileUrl, app.commits[0].slice(0, 10), { cacheDir: path.join(work, "mirrors-file") })).toBe(app.commits[0]);
  });

  it("a URL nothing answers on, and a repository the daemon does not serve, fail with the repository named", async () => {
    const closed = `git://127.0.0.1:${await freePort()}/app`;
    await expect(resolveCommit(closed, "main", { cacheDir: path.join(work, "mirrors-closed") })).rejects.toThrow(`Repository ${closed} does not exist or cannot be read`);
    const missing = url.replace(/app$/, "no-such-repo");
    await expect(resolveCommit(missing, "main", { cacheDir: path.join(work, "mirrors-missing") })).rejects.toThrow(`Repository ${missing} does not exist or cannot be read`);
  });
});
