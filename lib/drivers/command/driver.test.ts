import { chmodSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DriverTarget } from "../types";
import { ROOT_REFUSED, runShell } from "../shell";
import { createCommandDriver, renderCommand } from "./driver";

// As root (CI), commands run as nobody (lib/drivers/shell.ts): it must be able to write the record.
process.env.FLIGHTDECK_COMMAND_USER = "nobody";
const target: DriverTarget = { serviceId: 1, serviceName: "api", environmentId: 2, environmentName: "production" };
const dir = mkdtempSync(path.join(tmpdir(), "fd-cmd-"));
chmodSync(dir, 0o777);
const record = path.join(dir, "ops.log");

describe("command driver (real shell commands)", () => {
  const lines: string[] = [];
  const driver = createCommandDriver(
    {
      commands: {
        // Variables arrive shell-quoted, so templates use them bare (not inside "...").
        deploy: `echo deploy {{service}} {{version}} in {{environment}} from {{stableVersion}} >> ${record}; echo deployed`,
        setWeight: `echo weight {{weight}} >> ${record}`,
        promote: `echo promote {{version}} >> ${record}`,
        rollback: `echo rollback to {{stableVersion}} >> ${record}`,
        status: `echo "weight=42"`,
      },
      timeoutSeconds: 5,
    },
    { onOutput: (l) => lines.push(l) },
  );

  it("runs each operation with its variables and streams output into the job log", async () => {
    await driver.deploy(target, { opId: "o1", version: "2.0.0", stableVersion: "1.9.0" });
    await driver.setWeight(target, { opId: "o2", weight: 25 });
    await driver.promote(target, { opId: "o3", version: "2.0.0" });
    await driver.rollback(target, { opId: "o4", version: "2.0.0", stableVersion: "1.9.0" });
    expect(readFileSync(record, "utf8").trim().split("\n")).toEqual([
      "deploy api 2.0.0 in production from 1.9.0",
      "weight 25",
      "promote 2.0.0",
      "rollback to 1.9.0",
    ]);
    expect(lines).toContain("deployed");
    expect((await driver.status(target)).weight).toBe(42);
  });

  it("a non-zero exit fails the step with the command's output", async () => {
    const failing = createCommandDriver({ commands: { deploy: "echo 'image not found' >&2; exit 3", setWeight: "true", promote: "true", rollback: "true", status: "true" }, timeoutSeconds: 5 });
    await expect(failing.deploy(target, { opId: "x", version: "1", stableVersion: null })).rejects.toThrow(/exited with 3[\s\S]*image not found/);
  });

  it("a hanging command is killed at its timeout, children included, and reported", async () => {
    const r = await runShell("sleep 30 & sleep 30; echo never", { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.output).not.toContain("never");
    const hanging = createCommandDriver({ commands: { deploy: "sleep 30", setWeight: "true", promote: "true", rollback: "true", status: "true" }, timeoutSeconds: 1 });
    await expect(hanging.deploy(target, { opId: "h", version: "1", stableVersion: null })).rejects.toThrow(/timed out after 1 s/);
  });

  it.runIf(process.getuid?.() === 0)("as root without a command user, a step is refused with the reason and runs nothing", async () => {
    const ran = path.join(dir, "ran-as-root");
    const driver = createCommandDriver({ commands: { deploy: `touch ${ran}`, setWeight: "true", promote: "true", rollback: "true", status: "true" }, timeoutSeconds: 5 });
    delete process.env.FLIGHTDECK_COMMAND_USER;
    try {
      await expect(driver.deploy(target, { opId: "r", version: "1", stableVersion: null })).rejects.toThrow(`deploy command not run: ${ROOT_REFUSED}`);
    } finally {
      process.env.FLIGHTDECK_COMMAND_USER = "nobody";
    }
    expect(existsSync(ran)).toBe(false);
  });

  it("variables are shell-quoted: a hostile version cannot run commands", () => {
    expect(renderCommand("deploy {{version}}", { version: "1.0; rm -rf /" })).toBe("deploy '1.0; rm -rf /'");
    expect(renderCommand("x {{version}}", { version: "it's" })).toBe(`x 'it'\\''s'`);
    expect(() => renderCommand("x {{nope}}", { version: "1" })).toThrow(/Unknown variable/);
  });
});
