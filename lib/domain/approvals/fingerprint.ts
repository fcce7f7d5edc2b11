import { createHash } from "node:crypto";
import { canonicalJson } from "@/lib/domain/audit-chain";

export interface FingerprintedRelease {
  version: string;
  commitSha: string;
  changeLog: string;
  rollbackPlan: string;
  strategy: string;
  migrations: string;
  hotfix: boolean;
}

/** sha256 hex over canonical JSON of {version, commitSha, rollbackPlan, strategy, migrations, changeLog, hotfix}; any change voids approvals (D4). */
export function releaseFingerprint(r: FingerprintedRelease): string {
  // Pick the fields explicitly: callers pass whole release rows, whose other columns (status,
  // updatedAt, ...) change without changing what the approver saw.
  const fields: FingerprintedRelease = {
    version: r.version,
    commitSha: r.commitSha,
    changeLog: r.changeLog,
    rollbackPlan: r.rollbackPlan,
    strategy: r.strategy,
    migrations: r.migrations,
    hotfix: r.hotfix,
  };
  return createHash("sha256").update(canonicalJson(fields)).digest("hex");
}
