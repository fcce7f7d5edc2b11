import type Database from "better-sqlite3";
import { expect } from "vitest";
import { invoke } from "./in-process";

/** A rollout of the sample service in staging, started through the API by a captain's token. */
export async function startStagingRollout(captainToken: string, version: string): Promise<number> {
  const res = await invoke("POST", "/api/v1/rollouts", {
    token: captainToken,
    body: { service: "sample-api", environment: "staging", version, strategy: { kind: "canary", steps: [{ weight: 50, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] } },
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: number }).id;
}

/** Arranges a rollout in the running state (the worker's first step), as test setup only. */
export function markRunning(sqlite: Database.Database, id: number): void {
  sqlite.prepare("UPDATE rollouts SET status = 'running', phase = 'hold', weight = 50, hold_ends_at = ?, row_version = row_version + 1 WHERE id = ?").run(Date.now() + 600_000, id);
}

export const rowVersion = (sqlite: Database.Database, id: number) => sqlite.prepare("SELECT row_version FROM rollouts WHERE id = ?").pluck().get(id) as number;

/** Audit events of state changes (not refusals) after `afterId`. */
export const changeEvents = (sqlite: Database.Database, afterId: number) =>
  sqlite.prepare("SELECT action FROM audit_events WHERE id > ? AND action NOT IN ('action.refused', 'authz.denied') ORDER BY id").pluck().all(afterId) as string[];

export const lastAuditId = (sqlite: Database.Database) => sqlite.prepare("SELECT coalesce(max(id), 0) FROM audit_events").pluck().get() as number;
