import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

/**
 * Kills what the local driver left running under `dataDir` (routers and versions are detached, so
 * they outlive a test file): every service/environment's supervision record, SIGKILL.
 */
export function killDataPlane(dataDir: string): void {
  const root = path.join(dataDir, "local-driver");
  if (!existsSync(root)) return;
  for (const d of readdirSync(root)) {
    const file = path.join(root, d, "supervision.json");
    if (!existsSync(file)) continue;
    const sup = JSON.parse(readFileSync(file, "utf8")) as Record<string, { pid: number } | null>;
    for (const p of [sup.router, sup.stable, sup.canary]) {
      try {
        if (p) process.kill(p.pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  }
}
