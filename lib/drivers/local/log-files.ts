import "server-only";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DriverTarget } from "../types";

/**
 * The local driver's version logs (each version process writes stdout and stderr to
 * `version-<version>.log` in the target's directory, see driver.ts spawnDetached), by role, from its
 * supervision record. Read by the promote gates' critical-line scan.
 */
export function localLogFiles(dataDir: string, t: DriverTarget): { canary: string[]; main: string[] } {
  const dir = path.join(dataDir, "local-driver", `${t.serviceName}-${t.environmentName}`);
  const file = path.join(dir, "supervision.json");
  if (!existsSync(file)) return { canary: [], main: [] };
  const s = JSON.parse(readFileSync(file, "utf8")) as { stable?: { version: string } | null; canary?: { version: string } | null };
  const logOf = (v: { version: string } | null | undefined) => (v ? [path.join(dir, `version-${v.version}.log`)] : []);
  return { canary: logOf(s.canary), main: logOf(s.stable) };
}
