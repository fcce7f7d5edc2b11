import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createGitApp } from "@/tests/support/git-app";
import { type GitSource, listReleases, prepareRelease, releasesRoot, resolveCommit, tagDeployCandidate } from "./releases";

// As root (CI), builds run as nobody (lib/drivers/shell.ts), like every admin-defined command.
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";

const app = createGitApp();
const dataDir = mkdtempSync(path.join(tmpdir(), "fd-releases-"));
chmodSync(dataDir, 0o755);
const cacheDir = path.join(dataDir, "git");
const src: GitSource = { repo: app.repo, build: app.build, keepReleases: 2, tagPattern: "deploy-candidate-{{environment}}-{{shortSha}}", buildTimeoutSeconds: 30 };
const prepare = (ref: string, extra: Partial<GitSource> = {}, lines: string[] = []) =>
  prepareRelease({ ...src, ...extra }, { dataDir, serviceName: "mission-control", ref, onOutput: (l) => lines.push(l) });

describe("versions from git (real git)", () => {
  it("resolves a sha, a short sha, a branch and a tag to the full commit", async () => {
    const [c1, , c3] = app.commits;
    expect(await resolveCommit(app.repo, c1, { cacheDir })).toBe(c1);
    expect(await resolveCommit(app.repo, c1.slice(0, 8), { cacheDir })).toBe(c1);
    expect(await resolveCommit(app.repo, "main", { cacheDir })).toBe(c3);
  });

  it("refuses a missing repository, a ref that does not resolve, and a ref with option or revision syntax", async () => {
    await expect(resolveCommit(path.join(dataDir, "nope"), "main", { cacheDir })).rejects.toThrow(/^Repository .*nope does not exist or cannot be read/);
    await expect(resolveCommit(app.repo, "deadbeef", { cacheDir })).rejects.toThrow(`Commit deadbeef does not resolve in ${app.repo}.`);
    await expect(resolveCommit(app.repo, "--upload-pack=touch /tmp/x", { cacheDir })).rejects.toThrow(/does not resolve/);
    await expect(resolveCommit(app.repo, "main..HEAD", { cacheDir })).rejects.toThrow(/does not resolve/);
  });

  it("refuses a repository through the ext:: transport (it would run a command)", async () => {
    const proof = path.join(dataDir, "ext-ran");
    await expect(resolveCommit(`ext::sh -c touch% ${proof}`, "main", { cacheDir })).rejects.toThrow(/does not exist or cannot be read/);
    expect(existsSync(proof)).toBe(false);
  });

  it("checks a commit out into its own release dir, builds it once, reuses it after", async () => {
    const lines: string[] = [];
    const first = await prepare(app.commits[0], {}, lines);
    expect(first).toMatchObject({ sha: app.commits[0], reused: false });
    expect(first.dir).toBe(path.join(releasesRoot(dataDir, "mission-control"), app.commits[0]));
    expect(JSON.parse(readFileSync(path.join(first.dir, "build.json"), "utf8"))).toMatchObject({ label: "good-1" });
    expect(lines).toContain("build of good-1 done");
    expect(existsSync(path.join(first.dir, ".git"))).toBe(false);
    const again = await prepare(app.commits[0].slice(0, 10), {}, lines);
    expect(again).toMatchObject({ sha: app.commits[0], reused: true, dir: first.dir });
    expect(app.builds()).toEqual(["good-1"]);
    expect(lines.some((l) => l.startsWith("reused release dir"))).toBe(true);
  });

  it("keeps the last N release dirs, never one that is running", async () => {
    await prepare(app.commits[1]);
    await prepareRelease(src, { dataDir, serviceName: "mission-control", ref: app.commits[2], onOutput: () => {}, keep: [app.commits[0]] });
    // keep 2: commit 3 (newest) + commit 1 (running); commit 2 goes
    expect(listReleases(dataDir, "mission-control").map((r) => r.sha).sort()).toEqual([app.commits[0], app.commits[2]].sort());
  });

  it("a failing build fails with its exit code and leaves no release dir", async () => {
    await expect(prepare(app.commits[1], { build: "echo compiling; echo 'error: syntax' >&2; exit 3" })).rejects.toThrow("Build failed with exit code 3: error: syntax.");
    expect(readdirSync(releasesRoot(dataDir, "mission-control"))).not.toContain(app.commits[1]);
  });

  it("a hanging build is stopped at its timeout with its whole process group", async () => {
    const pidFile = path.join(dataDir, "child.pid");
    chmodSync(dataDir, 0o777);
    const hang = `sleep 300 & echo $! > ${pidFile}; wait`;
    await expect(prepare(app.commits[1], { build: hang, buildTimeoutSeconds: 1 })).rejects.toThrow("Build timed out after 1 s and was stopped (its process group was killed).");
    const pid = Number(readFileSync(pidFile, "utf8"));
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });

  it("tags a commit as deploy candidate in the repository (idempotent) and refuses an invalid tag name", async () => {
    const name = await tagDeployCandidate(src, app.commits[2], { service: "mission-control", environment: "production" }, { cacheDir });
    expect(name).toBe(`deploy-candidate-production-${app.commits[2].slice(0, 7)}`);
    expect(app.tagTarget(name)).toBe(app.commits[2]);
    expect(await tagDeployCandidate(src, app.commits[2], { service: "mission-control", environment: "production" }, { cacheDir })).toBe(name);
    await expect(tagDeployCandidate({ ...src, tagPattern: "bad..{{environment}}" }, app.commits[2], { service: "s", environment: "production" }, { cacheDir })).rejects.toThrow(
      "Tag bad..production (from the pattern bad..{{environment}}) is not a valid git tag name.",
    );
  });
});
