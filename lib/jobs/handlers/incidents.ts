import "server-only";
import type { Db } from "@/db/connection";
import { purgeFinishedJobs } from "@/db/queries/jobs";
import { recordOverduePostmortems } from "@/lib/services/incidents/record-overdue-postmortems";
import { recordSlaBreaches } from "@/lib/services/incidents/record-sla-breaches";
import { INCIDENT_SLA_JOB, incidentSlaSlotKey, payloadOf, queueJob } from "../kinds";
import type { JobHandler } from "../runner";

const EVERY_MS = 5000;

/** Queues the SLA check of this time slot (at worker start) or of the next one (after a run). */
export function scheduleIncidentSla(db: Db, now: number, next = false): void {
  const slot = Math.floor(now / EVERY_MS) + (next ? 1 : 0);
  db.transaction((tx) => queueJob(tx, INCIDENT_SLA_JOB, {}, { runAt: next ? slot * EVERY_MS : now, key: incidentSlaSlotKey(slot), now }), { behavior: "immediate" });
  if (next) purgeFinishedJobs(db, INCIDENT_SLA_JOB, now - 10 * 60_000);
}

/**
 * Every 5 s: open incidents whose SLA clocks ran out get their `incident.sla_breached`, once per
 * clock; incidents whose postmortem is past due and unpublished their `incident.postmortem_overdue`, once.
 */
export function incidentHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  return {
    [INCIDENT_SLA_JOB](ctx) {
      payloadOf(ctx.job, INCIDENT_SLA_JOB);
      ctx.commit((tx) => {
        const at = now();
        recordSlaBreaches(tx, at);
        recordOverduePostmortems(tx, at);
      });
      scheduleIncidentSla(db, now(), true);
      return Promise.resolve();
    },
  };
}
