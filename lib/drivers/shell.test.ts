import { chmodSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type EnvVars, ROOT_REFUSED, commandEnv, commandIdentity, lookupUser, runShell } from "./shell";

// Real child processes. Tests (and CI) run as root here: "runs as nobody" is the case that matters;
// on a non-root machine commands simply run as that user, which the last block checks.
const root = process.getuid?.() === 0;
const dir = mkdtempSync(path.join(tmpdir(), "fd-shell-"));
chmodSync(dir, 0o777);

/** What a Flightdeck process has in its environment, secrets included. */
const flightdeckEnv: EnvVars = {
  PATH: process.env.PATH,
  HOME: "/root",
  LANG: "C.UTF-8",
  NEXTAUTH_SECRET: "nextauth-secret-value",
  OIDC_CLIENT_SECRET: "oidc-secret-value",
  FLIGHTDECK_DB: "/srv/flightdeck/flightdeck.db",
  FLIGHTDECK_AUDIT_SIGNING_KEY: "audit-key-value",
  GITHUB_TOKEN: "ghp-token-value",
  KUBECONFIG: "/etc/kube/config",
};

describe.runIf(root)("as root", () => {
  it("runs as FLIGHTDECK_COMMAND_USER (nobody): not uid 0, no Flightdeck secret in its environment", async () => {
    const env = { ...flightdeckEnv, FLIGHTDECK_COMMAND_USER: "nobody" };
    const r = await runShell('id -u; id -g; pwd; echo "home=$HOME"; env', { timeoutMs: 10_000, env, vars: { version: "2.0.0", stableVersion: "1.9.0" } });
    expect(r.refused).toBeUndefined();
    expect(r.code).toBe(0);
    const [uid, gid, cwd, home, ...vars] = r.output.trim().split("\n");
    const nobody = lookupUser("nobody")!;
    expect(Number(uid)).not.toBe(0);
    expect(Number(uid)).toBe(nobody.uid);
    expect(Number(gid)).toBe(nobody.gid);
    expect(r.runAs).toBe(`nobody (uid ${nobody.uid})`);
    expect(home).toBe(`home=${nobody.home}`);
    expect(cwd).toBe(existsSync(nobody.home) ? nobody.home : "/");
    // Exactly the allowlist: nothing of Flightdeck's, nothing unlisted (GITHUB_TOKEN, KUBECONFIG).
    const names = vars.map((l) => l.split("=")[0]);
    for (const secret of ["NEXTAUTH_SECRET", "OIDC_CLIENT_SECRET", "FLIGHTDECK_DB", "FLIGHTDECK_AUDIT_SIGNING_KEY", "GITHUB_TOKEN", "KUBECONFIG", "FLIGHTDECK_COMMAND_USER"]) {
      expect(names).not.toContain(secret);
    }
    expect(r.output).not.toMatch(/secret-value|audit-key-value|ghp-token-value/);
    expect(vars).toEqual(expect.arrayContaining(["FLIGHTDECK_VERSION=2.0.0", "FLIGHTDECK_STABLE_VERSION=1.9.0", "USER=nobody", "LANG=C.UTF-8"]));
  });

  it("writes what the unprivileged user may write, and nothing of root's", async () => {
    const env = { ...flightdeckEnv, FLIGHTDECK_COMMAND_USER: "nobody" };
    const ok = await runShell(`touch ${dir}/by-nobody && stat -c %u ${dir}/by-nobody`, { timeoutMs: 10_000, env });
    expect(ok.code).toBe(0);
    expect(Number(ok.output.trim())).toBe(lookupUser("nobody")!.uid);
    const denied = await runShell("cat /etc/shadow", { timeoutMs: 10_000, env });
    expect(denied.code).not.toBe(0);
    expect(denied.output).toMatch(/Permission denied/);
  });

  it("is refused as root when no user is configured: nothing runs, the reason says what to set", async () => {
    const marker = path.join(dir, "ran-as-root");
    const r = await runShell(`touch ${marker}`, { timeoutMs: 10_000, env: flightdeckEnv });
    expect(r.refused).toBe(ROOT_REFUSED);
    expect(r).toMatchObject({ code: null, output: ROOT_REFUSED, timedOut: false, runAs: "root (uid 0)" });
    expect(existsSync(marker)).toBe(false);
  });

  it("a configured root user is refused too, and an unknown user is refused (never silently root)", async () => {
    const marker = path.join(dir, "ran-anyway");
    const asRoot = await runShell(`touch ${marker}`, { timeoutMs: 10_000, env: { ...flightdeckEnv, FLIGHTDECK_COMMAND_USER: "root" } });
    expect(asRoot.refused).toMatch(/FLIGHTDECK_COMMAND_USER=root is root/);
    const unknown = await runShell(`touch ${marker}`, { timeoutMs: 10_000, env: { ...flightdeckEnv, FLIGHTDECK_COMMAND_USER: "no-such-user-fd", FLIGHTDECK_ALLOW_ROOT_COMMANDS: "1" } });
    expect(unknown.refused).toMatch(/FLIGHTDECK_COMMAND_USER=no-such-user-fd is not a user on this host/);
    expect(existsSync(marker)).toBe(false);
  });

  it("FLIGHTDECK_ALLOW_ROOT_COMMANDS=1 runs as root explicitly, still without Flightdeck's secrets", async () => {
    const r = await runShell("id -u; env", { timeoutMs: 10_000, env: { ...flightdeckEnv, FLIGHTDECK_ALLOW_ROOT_COMMANDS: "1" } });
    expect(r.output.split("\n")[0]).toBe("0");
    expect(r.runAs).toMatch(/^root \(uid 0, FLIGHTDECK_ALLOW_ROOT_COMMANDS=1\)$/);
    expect(r.output).not.toMatch(/NEXTAUTH_SECRET|OIDC_CLIENT_SECRET|FLIGHTDECK_DB/);
  });
});

describe("who runs commands (settings as a root process would read them)", () => {
  it.each([
    { name: "no user, root not allowed", env: {}, want: { ok: false, reason: ROOT_REFUSED } },
    { name: "no user, root allowed", env: { FLIGHTDECK_ALLOW_ROOT_COMMANDS: "1" }, want: { ok: true, user: "root" } },
    { name: "allow flag other than 1", env: { FLIGHTDECK_ALLOW_ROOT_COMMANDS: "yes" }, want: { ok: false, reason: ROOT_REFUSED } },
    { name: "nobody", env: { FLIGHTDECK_COMMAND_USER: "nobody" }, want: { ok: true, user: "nobody" } },
    { name: "nobody by uid", env: { FLIGHTDECK_COMMAND_USER: String(lookupUser("nobody")?.uid) }, want: { ok: true, user: "nobody" } },
    { name: "a cwd of the admin's choosing", env: { FLIGHTDECK_COMMAND_USER: "nobody", FLIGHTDECK_COMMAND_CWD: "/srv/deploy" }, want: { ok: true, cwd: "/srv/deploy" } },
  ])("$name", ({ env, want }) => {
    expect(commandIdentity(env, 0)).toMatchObject(want);
  });

  it("a non-root Flightdeck runs commands as itself, in its own directory, whatever FLIGHTDECK_COMMAND_USER says", () => {
    expect(commandIdentity({ FLIGHTDECK_COMMAND_USER: "nobody", HOME: "/home/fd", USER: "fd" }, 1000)).toEqual({ ok: true, home: "/home/fd", user: "fd", cwd: process.cwd(), label: "uid 1000" });
  });
});

describe("commandEnv (the allowlist)", () => {
  it("passes PATH, locale and TZ, the user's HOME/USER and the template variables; never Flightdeck's own settings", () => {
    const env = commandEnv({ ...flightdeckEnv, TZ: "UTC", LC_ALL: "C", FLIGHTDECK_COMMAND_ENV: "KUBECONFIG, NEXTAUTH_SECRET FLIGHTDECK_DB" }, { home: "/nonexistent", user: "nobody" }, { version: "1.0", weight: 25, opId: null });
    expect(env).toEqual({
      PATH: process.env.PATH,
      LANG: "C.UTF-8",
      TZ: "UTC",
      LC_ALL: "C",
      // Listed in FLIGHTDECK_COMMAND_ENV: passed. NEXTAUTH_SECRET and FLIGHTDECK_DB were listed too, and are not.
      KUBECONFIG: "/etc/kube/config",
      SHELL: "/bin/sh",
      HOME: "/nonexistent",
      USER: "nobody",
      LOGNAME: "nobody",
      FLIGHTDECK_VERSION: "1.0",
      FLIGHTDECK_WEIGHT: "25",
      FLIGHTDECK_OP_ID: "",
    });
  });

  it("gives a PATH when Flightdeck has none", () => {
    expect(commandEnv({}, { home: undefined, user: undefined }).PATH).toMatch(/\/usr\/bin/);
  });
});

describe("runShell as whoever Flightdeck may run commands as", () => {
  // As root that is nobody; as any other user, that user.
  const env = { ...flightdeckEnv, FLIGHTDECK_COMMAND_USER: "nobody" };

  it("a non-zero exit comes back with its output; a hanging command is killed at its timeout", async () => {
    const failed = await runShell("echo 'relation users is locked' >&2; exit 3", { timeoutMs: 10_000, env });
    expect(failed).toMatchObject({ code: 3, timedOut: false });
    expect(failed.output).toContain("relation users is locked");
    const hung = await runShell("sleep 30 & sleep 30; echo never", { timeoutMs: 300, env });
    expect(hung.timedOut).toBe(true);
    expect(hung.output).not.toContain("never");
  });

  it("a working directory that does not exist is an outcome, not a crash", async () => {
    const r = await runShell("true", { timeoutMs: 10_000, env: { ...env, FLIGHTDECK_COMMAND_CWD: path.join(dir, "missing") } });
    expect(r.code).toBeNull();
    expect(r.output).toMatch(/could not start the command/);
  });
});
