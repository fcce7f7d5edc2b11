import "server-only";
import type { Tx } from "@/db/connection";
import { openIncidents } from "@/db/queries/incidents";
import type { SystemActor } from "@/lib/domain/actor";
import { dueBreaches } from "@/lib/domain/incidents/rules";
import { recordDueBreaches } from "./internal";

const WORKER: SystemActor = { kind: "system", label: "worker" };

/**
 * The worker's SLA check (L1), inside its job's transaction: every open incident whose acknowledge
 * or mitigate clock ran out gets one `incident.sla_breached` per clock, audited with its timeline
 * entry. Returns how many breaches it recorded.
 */
export function recordSlaBreaches(tx: Tx, now: number): number {
  let count = 0;
  for (const incident of openIncidents(tx)) {
    count += dueBreaches(incident, now).length;
    recordDueBreaches(tx, incident, WORKER, now);
  }
  return count;
}
