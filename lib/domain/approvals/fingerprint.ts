import { createHash } from "node:crypto";
import { canonicalJson } from "@/lib/domain/audit-chain";
import type { RunnableCommand } from "@/lib/domain/commands";

export interface FingerprintedRelease {
  version: string;
  commitSha: string;
  changeLog: string;
  rollbackPlan: string;
  strategy: string;
  migrations: string;
  hotfix: boolean;
}

/**
 * sha256 hex over canonical JSON of {version, commitSha, rollbackPlan, strategy, migrations,
 * changeLog, hotfix} and every command the approval lets run (lib/domain/commands.ts): a change
 * to the release, or an admin changing one of those commands in service settings, voids approvals (D4).
 */
export function releaseFingerprint(r: FingerprintedRelease, commands: readonly RunnableCommand[]): string {
  // Pick the fields explicitly: callers pass whole release rows, whose other columns (status,
  // updatedAt, ...) change without changing what the approver saw.
  const fields = {
    version: r.version,
    commitSha: r.commitSha,
    changeLog: r.changeLog,
    rollbackPlan: r.rollbackPlan,
    strategy: r.strategy,
    migrations: r.migrations,
    hotfix: r.hotfix,
    commands: commands.map((c) => ({ service: c.service, step: c.step, template: c.template })),
  };
  return createHash("sha256").update(canonicalJson(fields)).digest("hex");
}
