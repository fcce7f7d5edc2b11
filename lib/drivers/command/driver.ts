import "server-only";
import { spawn } from "node:child_process";
import type { DeployDriver, DriverTarget } from "../types";

export interface CommandTargetConfig {
  commands: { deploy: string; setWeight: string; promote: string; rollback: string; status: string };
  timeoutSeconds: number;
}

/** Shell-quotes a value so templated variables can never inject commands. */
function quote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** Replaces {{version}}, {{weight}}, {{environment}}, {{service}}, {{stableVersion}}, {{opId}}. */
export function renderCommand(template: string, vars: Record<string, string | number | null>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`Unknown variable {{${name}}} in command: ${template}`);
    return quote(String(vars[name] ?? ""));
  });
}

export interface CommandOutcome {
  code: number | null;
  output: string;
  timedOut: boolean;
}

/** Runs one command with a hard timeout; output (stdout+stderr, capped) is returned for the job log. */
export function runCommand(command: string, timeoutMs: number, onLine?: (line: string) => void): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    let timedOut = false;
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      if (output.length < 64_000) output += text;
      if (onLine) for (const line of text.split("\n").filter(Boolean)) onLine(line);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL"); // the whole process group: a hung script's children too
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

/**
 * Command driver (REQUIREMENTS H3): user-configured shell commands per operation, e.g. kubectl or
 * helm as in runbooks 001/002/004. A non-zero exit or a timeout fails the step with the output.
 */
export function createCommandDriver(config: CommandTargetConfig, opts: { onOutput?: (line: string) => void } = {}): DeployDriver {
  async function exec(kind: keyof CommandTargetConfig["commands"], t: DriverTarget, vars: Record<string, string | number | null>): Promise<string> {
    const command = renderCommand(config.commands[kind], { service: t.serviceName, environment: t.environmentName, version: null, stableVersion: null, weight: null, opId: null, ...vars });
    const r = await runCommand(command, config.timeoutSeconds * 1000, opts.onOutput);
    if (r.timedOut) throw new Error(`${kind} command timed out after ${config.timeoutSeconds} s: ${command}\n${r.output}`);
    if (r.code !== 0) throw new Error(`${kind} command exited with ${r.code}: ${command}\n${r.output}`);
    return r.output;
  }
  return {
    async deploy(t, op) {
      await exec("deploy", t, { version: op.version, stableVersion: op.stableVersion, opId: op.opId });
    },
    async setWeight(t, op) {
      await exec("setWeight", t, { weight: op.weight, opId: op.opId });
    },
    async promote(t, op) {
      await exec("promote", t, { version: op.version, opId: op.opId });
    },
    async rollback(t, op) {
      await exec("rollback", t, { version: op.version, stableVersion: op.stableVersion, opId: op.opId });
    },
    async status(t) {
      const out = await exec("status", t, {});
      return { weight: Number(/weight[=:]\s*(\d+)/i.exec(out)?.[1] ?? 0), versions: [] };
    },
    variantUrl: () => Promise.resolve(null),
  };
}
