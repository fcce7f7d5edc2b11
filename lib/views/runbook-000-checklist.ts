import "server-only";
import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { type CiGateRunRow, ciGateHistory } from "@/db/queries/promote-gates";
import { findRollout } from "@/db/queries/rollouts";
import path from "node:path";
import { databasePath } from "@/db/connection";
import { deployTargetSchema } from "@/lib/domain/deploy-target";
import { type Pm2ListRow, pm2AppsDir, pm2DaemonRunning, pm2Names, readPm2List } from "@/lib/drivers/pm2/read-list";

export type CheckStatus = "passed" | "failed" | "pending" | "not_applicable";

/** One line of runbook 000's verification checklist (section 6), with what it was read from. */
export interface ChecklistItem {
  id: "pm2_list" | "main_health" | "canary_health" | "ci_history";
  label: string;
  status: CheckStatus;
  detail: string;
}

export interface CiHistoryOf {
  role: "main" | "canary";
  version: string;
  runs: Pick<CiGateRunRow, "id" | "passed" | "kind" | "target" | "code" | "durationMs" | "at">[];
}

/** Runbook 000's verification checklist for a rollout of a PM2 service (read only: never starts a PM2 daemon). */
export interface Runbook000Checklist {
  pm2Home: string;
  daemonRunning: boolean;
  /** Set when PM2 could not be asked (the page says so instead of the rows). */
  error: string | null;
  processes: Pm2ListRow[];
  ecosystemFile: string | null;
  items: ChecklistItem[];
  ciHistory: CiHistoryOf[];
}

const LIST_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`PM2 did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The checklist of rollout `rolloutId`, or null when its service does not run on PM2. */
export async function loadRunbook000Checklist(db: Executor, rolloutId: number): Promise<Runbook000Checklist | null> {
  const rollout = findRollout(db, rolloutId);
  if (!rollout) return null;
  const service = findService(db, rollout.serviceId);
  const environment = findEnvironment(db, rollout.environmentId);
  if (!service || !environment) return null;
  // Not the driver (its pm2 import does not bundle into Next): a read-only reader of the same daemon.
  let config;
  try {
    config = deployTargetSchema.parse(JSON.parse(service.deployTarget));
  } catch {
    return null; // a deploy target that does not parse is reported on the service's settings page
  }
  if (config.driver !== "pm2") return null;
  const dataDir = path.dirname(databasePath());
  const pm2Home = path.join(dataDir, "pm2");
  const target = { serviceId: service.id, serviceName: service.name, environmentId: environment.id, environmentName: environment.name };
  const names = pm2Names(config, target);
  const daemonRunning = pm2DaemonRunning(pm2Home);
  let processes: Pm2ListRow[] = [];
  let error: string | null = null;
  if (daemonRunning) {
    try {
      processes = await withTimeout(readPm2List(pm2Home, config, target), LIST_TIMEOUT_MS);
    } catch (err) {
      error = `Could not read pm2 list: ${err instanceof Error ? err.message : String(err)}`;
    }
  } else {
    error = `The PM2 daemon is not running (PM2_HOME=${pm2Home}).`;
  }
  const main = processes.find((p) => p.role === "main");
  const canary = processes.find((p) => p.role === "canary");

  const ciHistory: CiHistoryOf[] = [];
  for (const p of [main, canary]) {
    if (!p?.version || ciHistory.some((h) => h.version === p.version)) continue;
    const runs = ciGateHistory(db, service.id, p.version).map(({ id, passed, kind, target: t, code, durationMs, at }) => ({ id, passed, kind, target: t, code, durationMs, at }));
    ciHistory.push({ role: p.role, version: p.version, runs });
  }

  const offline = processes.filter((p) => p.status !== "online");
  const items: ChecklistItem[] = [
    {
      id: "pm2_list",
      label: "pm2 list shows all required processes online",
      status: error ? "failed" : !main ? "failed" : offline.length ? "failed" : "passed",
      detail: error ?? (!main ? `${names.main} is not in pm2 list.` : offline.length ? `${offline.map((p) => `${p.name} is ${p.status}`).join("; ")}.` : `${processes.map((p) => p.name).join(" and ")} online.`),
    },
    {
      id: "main_health",
      label: "Main health",
      status: !main ? "failed" : main.healthy ? "passed" : "failed",
      detail: main ? `${main.healthUrl} ${main.healthy ? "answers 200" : "does not answer 200"}.` : "Main is not running.",
    },
    {
      id: "canary_health",
      label: "Canary health",
      status: !canary ? "not_applicable" : canary.healthy ? "passed" : "failed",
      detail: canary ? `${canary.healthUrl} ${canary.healthy ? "answers 200" : "does not answer 200"}.` : "No canary runs now.",
    },
    ciItem(main, ciHistory),
  ];
  return { pm2Home, daemonRunning, error, processes, ecosystemFile: config.git ? path.join(pm2AppsDir(dataDir, names.main), "ecosystem.config.js") : null, items, ciHistory };
}

/** "CI gate history confirms no failed stage on the deployed commit": the latest run on main's version passed. */
function ciItem(main: Pm2ListRow | undefined, history: CiHistoryOf[]): ChecklistItem {
  const label = "CI gate history on the deployed commit";
  if (!main?.version) return { id: "ci_history", label, status: "pending", detail: "No deployed version to look up." };
  const runs = history.find((h) => h.version === main.version)?.runs ?? [];
  const latest = runs[0];
  if (!latest) return { id: "ci_history", label, status: "pending", detail: `No CI gate run recorded for ${main.version}.` };
  const failed = runs.filter((r) => !r.passed).length;
  return {
    id: "ci_history",
    label,
    status: latest.passed ? "passed" : "failed",
    detail: `Latest run on ${main.version} ${latest.passed ? "passed" : "FAILED"}${failed && latest.passed ? ` (${failed} earlier failed run${failed === 1 ? "" : "s"})` : ""}; ${runs.length} run${runs.length === 1 ? "" : "s"} in all.`,
  };
}
