import "server-only";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Tx } from "@/db/connection";
import { saveCanaryMark } from "@/db/queries/promote-gates";
import type { DeployDriver, DriverTarget } from "@/lib/drivers/types";

/**
 * Sizes of the driver's log files (by path) just before a deploy, and of every file beside them:
 * a driver may name the canary's files only once it runs (PM2), while a file of that name kept
 * from an earlier canary must not count. Null when the driver keeps no logs.
 */
export async function logSizesBeforeDeploy(driver: DeployDriver, target: DriverTarget): Promise<Record<string, number> | null> {
  if (!driver.logFiles) return null;
  try {
    const files = await driver.logFiles(target);
    const known = [...files.canary, ...files.main];
    const sizes: Record<string, number> = {};
    for (const dir of new Set(known.map((f) => path.dirname(f)))) {
      for (const name of safeList(dir)) sizes[path.join(dir, name)] = sizeOf(path.join(dir, name));
    }
    for (const f of known) sizes[f] = sizeOf(f);
    return sizes;
  } catch {
    return null; // the log gate reports an unreadable log when it runs; the deploy goes on
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith(".log"));
  } catch {
    return [];
  }
}

/**
 * Marks the canary's start once its deploy succeeded: the time its quiet period counts from and,
 * per log file of the new version, where it stood before the deploy (a file that did not exist
 * then is scanned from its start, so lines printed at startup count).
 */
export async function markCanaryStart(
  commit: <T>(fn: (tx: Tx) => T) => T,
  v: { rolloutId: number; driver: DeployDriver; target: DriverTarget; hasStable: boolean; sizesBefore: Record<string, number> | null; at: number },
): Promise<void> {
  let offsets: Record<string, number> = {};
  if (v.driver.logFiles) {
    try {
      const files = await v.driver.logFiles(v.target);
      offsets = Object.fromEntries((v.hasStable ? files.canary : files.main).map((f) => [f, v.sizesBefore?.[f] ?? 0]));
    } catch {
      offsets = {};
    }
  }
  commit((tx) => saveCanaryMark(tx, { rolloutId: v.rolloutId, startedAt: v.at, offsets: JSON.stringify(offsets) }));
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
