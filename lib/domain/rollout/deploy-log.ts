import type { Strategy } from "./strategy";

/** Runbook 001's deployment log record (REQUIREMENTS B4), one per deployment. */
export interface DeployLogRecord {
  timestamp: string;
  environment: string;
  service: string;
  version: string;
  previousVersion: string | null;
  commit: string | null;
  operator: string;
  strategy: string;
  approvals: string[];
  status: "success" | "rolled_back" | "failed" | "in_progress";
  verification: string[];
  rolloutId: number;
}

const STRATEGY_NAMES: Record<Strategy["kind"], string> = { canary: "canary", blue_green: "blue-green", rolling: "rolling" };

export function deployLogRecord(r: {
  rolloutId: number;
  finishedAt: number | null;
  updatedAt: number;
  environment: string;
  service: string;
  version: string;
  previousVersion: string | null;
  commit: string | null;
  operator: string;
  strategy: Strategy;
  approvals: string[];
  status: string;
  smokeLines: string[];
}): DeployLogRecord {
  return {
    timestamp: new Date(r.finishedAt ?? r.updatedAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    environment: r.environment,
    service: r.service,
    version: r.version,
    previousVersion: r.previousVersion,
    commit: r.commit,
    operator: r.operator,
    strategy: STRATEGY_NAMES[r.strategy.kind],
    approvals: r.approvals,
    status: r.status === "succeeded" ? "success" : r.status === "rolled_back" ? "rolled_back" : r.status === "failed" ? "failed" : "in_progress",
    verification: r.smokeLines,
    rolloutId: r.rolloutId,
  };
}
