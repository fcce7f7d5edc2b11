import "server-only";
import { renderCommand } from "@/lib/domain/commands";
import { runShell } from "../shell";
import type { DeployDriver, DriverTarget } from "../types";
import { parseStatusOutput } from "./status";

export { renderCommand };

export interface CommandTargetConfig {
  commands: { deploy: string; setWeight: string; promote: string; rollback: string; status: string };
  timeoutSeconds: number;
}

/**
 * Command driver (REQUIREMENTS H3): admin-configured shell commands per operation (the service's
 * deploy target), e.g. kubectl or helm as in runbooks 001/002/004, run through lib/drivers/shell.ts
 * (scrubbed environment, never as root unless allowed). A non-zero exit, a timeout or a refusal
 * fails the step with the output or the reason.
 */
export function createCommandDriver(config: CommandTargetConfig, opts: { onOutput?: (line: string) => void } = {}): DeployDriver {
  async function exec(kind: keyof CommandTargetConfig["commands"], t: DriverTarget, vars: Record<string, string | number | null>): Promise<string> {
    const all = { service: t.serviceName, environment: t.environmentName, version: null, stableVersion: null, weight: null, opId: null, ...vars };
    const command = renderCommand(config.commands[kind], all);
    const r = await runShell(command, { timeoutMs: config.timeoutSeconds * 1000, vars: all, onLine: opts.onOutput });
    if (r.refused) throw new Error(`${kind} command not run: ${r.refused}`);
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
      // weight=<n> and, when printed, stable=/canary= versions with their ready replicas (status.ts).
      return parseStatusOutput(await exec("status", t, {}));
    },
    variantUrl: () => Promise.resolve(null),
  };
}
