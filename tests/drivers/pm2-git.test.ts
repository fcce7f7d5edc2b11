import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listReleases, releasesRoot } from "@/lib/drivers/git/releases";
import { type Pm2TargetConfig, createPm2Driver } from "@/lib/drivers/pm2/driver";
import type { DriverTarget } from "@/lib/drivers/types";
import { createGitApp } from "@/tests/support/git-app";
import { until } from "@/tests/support/wait";

/**
 * Runbook 000 end to end on real git and real PM2 (issue 13 items 1-2, "done when"): versions are
 * commits of a repository made here, built into their own release dirs; main `mission-control` and
 * canary `mission-control-canary` on their own ports from an ecosystem file; promotion tags and
 * reloads main; rollback to commit 1 reuses its kept dir. Ports 4800-4899.
 */

// As root (CI), builds run as nobody (lib/drivers/shell.ts), like every admin-defined command.
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";

const app = createGitApp();
const [c1, c2, c3] = app.commits;
const dataDir = mkdtempSync(path.join(tmpdir(), "fd-pm2-git-"));
chmodSync(dataDir, 0o755);
const pm2Home = path.join(dataDir, "pm2");
const mainPort = 4800 + Math.floor(Math.random() * 45) * 2;
const canaryPort = mainPort + 1;
const config: Pm2TargetConfig = {
  script: "server.js",
  mainPort,
  canaryPort,
  healthPath: "/health",
  git: { repo: app.repo, build: app.build, keepReleases: 3, tagPattern: "deploy-candidate-{{environment}}-{{shortSha}}", buildTimeoutSeconds: 60 },
};
const pm2Driver = createPm2Driver(config, { pm2Home, dataDir });
const lines: string[] = [];
const driver = pm2Driver.withOutput((l) => lines.push(l));
const target: DriverTarget = { serviceId: 1, serviceName: "mission-control", environmentId: 2, environmentName: "production" };

interface Answer {
  label: string;
  version: string;
  commit: string;
  built: boolean;
}
const at = async (port: number, p = "/health"): Promise<Answer> => (await (await fetch(`http://127.0.0.1:${port}${p}`)).json()) as Answer;
const ecosystem = () => {
  const text = readFileSync(pm2Driver.ecosystemFile(target), "utf8");
  return JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as { apps: { name: string; cwd: string; env: Record<string, string> }[] };
};
const dirOf = (sha: string) => path.join(releasesRoot(dataDir, "mission-control"), sha);

afterAll(async () => {
  await pm2Driver.killDaemon();
}, 60_000);

describe("runbook 000 on PM2 from git (real git, real PM2)", () => {
  it("deploys commit 1 as main: checked out into its own release dir, built, `mission-control` online on its port", async () => {
    await driver.deploy(target, { opId: "a", version: c1, stableVersion: null });
    expect(await at(mainPort)).toEqual({ label: "good-1", version: c1, commit: c1, built: true });
    expect(app.builds()).toEqual(["good-1"]);
    expect(lines).toContain(`built ${c1.slice(0, 12)} in ${dirOf(c1)}`);
    expect(ecosystem().apps.map((a) => [a.name, a.cwd, a.env.PORT])).toEqual([["mission-control", dirOf(c1), String(mainPort)]]);
  }, 120_000);

  it("deploys commit 2 as canary: `mission-control-canary` online on its own port, both in the ecosystem file, its critical line in its PM2 log", async () => {
    await driver.deploy(target, { opId: "b", version: c2, stableVersion: c1 });
    expect((await at(canaryPort)).label).toBe("bad-2");
    expect((await at(mainPort)).label).toBe("good-1");
    expect(ecosystem().apps.map((a) => [a.name, a.cwd, a.env.PORT, a.env.COMMIT])).toEqual([
      ["mission-control", dirOf(c1), String(mainPort), c1],
      ["mission-control-canary", dirOf(c2), String(canaryPort), c2],
    ]);
    const list = await pm2Driver.list(target);
    expect(list.map((r) => [r.role, r.name, r.status, r.commit, r.healthy])).toEqual([
      ["main", "mission-control", "online", c1, true],
      ["canary", "mission-control-canary", "online", c2, true],
    ]);
    expect(list.every((r) => r.pid && r.pmId !== null)).toBe(true);
    const logs = await driver.logFiles!(target);
    expect(logs.canary).toEqual([path.join(dataDir, "pm2-apps/mission-control/logs/mission-control-canary-out.log"), path.join(dataDir, "pm2-apps/mission-control/logs/mission-control-canary-error.log")]);
    await until(() => (logs.canary.some((f) => existsSync(f) && readFileSync(f, "utf8").includes("CRITICAL: lost the connection")) ? true : undefined), 30_000);
    expect(logs.main.some((f) => existsSync(f) && readFileSync(f, "utf8").includes("CRITICAL"))).toBe(false);
  }, 120_000);

  it("deploying the same canary again adopts it (no rebuild, same pid)", async () => {
    const pid = (await pm2Driver.list(target))[1]!.pid;
    await driver.deploy(target, { opId: "b", version: c2, stableVersion: c1 });
    expect((await pm2Driver.list(target))[1]!.pid).toBe(pid);
    expect(app.builds()).toEqual(["good-1", "bad-2"]);
  }, 60_000);

  it("rollback removes the canary (weight 0); main keeps serving commit 1", async () => {
    await driver.setWeight(target, { opId: "c", weight: 25 });
    await driver.rollback(target, { opId: "d", version: c2, stableVersion: c1 });
    expect((await pm2Driver.list(target)).map((r) => r.name)).toEqual(["mission-control"]);
    expect((await driver.status(target)).weight).toBe(0);
    expect(ecosystem().apps.map((a) => a.name)).toEqual(["mission-control"]);
    // The next canary writes where the last one did: a log gate can mark the files' sizes before it starts.
    expect((await driver.logFiles!(target)).canary[0]).toBe(path.join(dataDir, "pm2-apps/mission-control/logs/mission-control-canary-out.log"));
    expect((await at(mainPort)).label).toBe("good-1");
  }, 60_000);

  it("commit 3: canary, then promotion tags the commit and reloads main (same pm2 id, online), the canary retired", async () => {
    const before = (await pm2Driver.list(target))[0]!;
    await driver.deploy(target, { opId: "e", version: c3, stableVersion: c1 });
    expect((await at(canaryPort)).label).toBe("good-3");
    await driver.setWeight(target, { opId: "f", weight: 50 });
    const promoted = await driver.promote(target, { opId: "g", version: c3 });
    expect(await at(mainPort)).toEqual({ label: "good-3", version: c3, commit: c3, built: true });
    const after = await pm2Driver.list(target);
    expect(after.map((r) => [r.name, r.status, r.pmId, r.commit])).toEqual([["mission-control", "online", before.pmId, c3]]);
    expect(after[0]!.restarts).toBeGreaterThan(before.restarts);
    const tag = `deploy-candidate-production-${c3.slice(0, 7)}`;
    expect(app.tagTarget(tag)).toBe(c3);
    expect(promoted).toEqual({ tag, commit: c3 }); // the worker puts it into the rollout's audit event
    expect(lines).toContain(`tagged ${c3.slice(0, 12)} as deploy candidate ${tag}`);
    expect(ecosystem().apps.map((a) => [a.name, a.cwd])).toEqual([["mission-control", dirOf(c3)]]);
    expect(app.builds()).toEqual(["good-1", "bad-2", "good-3"]);
  }, 120_000);

  it("rollback to commit 1 (LAST_GOOD_COMMIT) reuses its kept release dir: no rebuild, main reloaded to commit 1", async ({ annotate }) => {
    lines.length = 0;
    // K1/H4: a rollback to the last good commit is a redeploy of it beside the current one, then promotion.
    const started = performance.now();
    await driver.deploy(target, { opId: "h", version: c1, stableVersion: c3 });
    await driver.promote(target, { opId: "i", version: c1 });
    await annotate(`rollback to commit 1 from its kept dir (canary start + tag + reload of main): ${Math.round(performance.now() - started)} ms`);
    expect(await at(mainPort)).toEqual({ label: "good-1", version: c1, commit: c1, built: true });
    expect(app.builds()).toEqual(["good-1", "bad-2", "good-3"]);
    expect(lines.some((l) => l.startsWith(`reused release dir ${dirOf(c1)}`))).toBe(true);
    expect(lines.some((l) => l.startsWith("built "))).toBe(false);
    expect((await pm2Driver.list(target)).map((r) => [r.name, r.status, r.commit])).toEqual([["mission-control", "online", c1]]);
  }, 120_000);

  it("after the PM2 daemon is killed, reconcile starts main again from the ecosystem file (no rebuild)", async () => {
    await pm2Driver.killDaemon();
    await until(async () => ((await fetch(`http://127.0.0.1:${mainPort}/health`).catch(() => null)) === null ? true : undefined), 30_000);
    expect(await driver.reconcile!(target)).toEqual([`started mission-control again from ${pm2Driver.ecosystemFile(target)} (${c1}, ${c1.slice(0, 12)})`]);
    expect((await at(mainPort)).label).toBe("good-1");
    expect(await driver.reconcile!(target)).toEqual([]);
    expect(app.builds()).toEqual(["good-1", "bad-2", "good-3"]);
  }, 120_000);

  describe("bad input fails the step with a specific message; the running version keeps serving, nothing else changes", () => {
    const unchanged = async () => {
      expect((await pm2Driver.list(target)).map((r) => [r.name, r.status, r.commit])).toEqual([["mission-control", "online", c1]]);
      expect((await at(mainPort)).label).toBe("good-1");
      expect(ecosystem().apps.map((a) => a.name)).toEqual(["mission-control"]);
    };
    const variant = (git: Partial<NonNullable<Pm2TargetConfig["git"]>>) => createPm2Driver({ ...config, git: { ...config.git!, ...git } }, { pm2Home, dataDir });
    // A fourth commit that no release dir holds yet, so its build really runs.
    const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: app.repo, encoding: "utf8" }).trim();
    writeFileSync(path.join(app.repo, "NOTES.md"), "four\n");
    g("add", "NOTES.md");
    g("commit", "--quiet", "-m", "good-4");
    const c4 = g("rev-parse", "HEAD");

    it("a repository that does not exist", async () => {
      const missing = path.join(dataDir, "no-such-repo");
      await expect(variant({ repo: missing }).deploy(target, { opId: "x1", version: c4, stableVersion: c1 })).rejects.toThrow(`Repository ${missing} does not exist or cannot be read`);
      await unchanged();
    }, 60_000);

    it("a commit that does not resolve", async () => {
      await expect(driver.deploy(target, { opId: "x2", version: "0badc0ffee", stableVersion: c1 })).rejects.toThrow(`Commit 0badc0ffee does not resolve in ${app.repo}.`);
      await unchanged();
    }, 60_000);

    it("a build that fails", async () => {
      await expect(variant({ build: "echo 'npm ERR! missing script: build' >&2; exit 2" }).deploy(target, { opId: "x3", version: c4, stableVersion: c1 })).rejects.toThrow(
        "Build failed with exit code 2: npm ERR! missing script: build.",
      );
      expect(listReleases(dataDir, "mission-control").map((r) => r.sha)).not.toContain(c4);
      await unchanged();
    }, 60_000);

    it("a build that hangs is stopped at its timeout (its process group killed)", async () => {
      await expect(variant({ build: "sleep 300", buildTimeoutSeconds: 1 }).deploy(target, { opId: "x4", version: c4, stableVersion: c1 })).rejects.toThrow(
        "Build timed out after 1 s and was stopped (its process group was killed).",
      );
      expect(existsSync(dirOf(c4))).toBe(false);
      await unchanged();
    }, 60_000);

    it("a PM2 daemon that cannot start", async () => {
      const file = path.join(dataDir, "not-a-dir");
      writeFileSync(file, "");
      const broken = createPm2Driver(config, { pm2Home: path.join(file, "pm2"), dataDir });
      await expect(broken.deploy(target, { opId: "x5", version: c1, stableVersion: null })).rejects.toThrow(/^The PM2 daemon \(PM2_HOME=.*not-a-dir\/pm2\) is not running and could not be started: /);
      await unchanged();
    }, 60_000);
  });
});
