import "server-only";
import { eq, inArray } from "drizzle-orm";
import type { Executor } from "@/db/connection";
import type { AuditEventRow } from "@/db/queries/audit";
import { environments, featureFlags, incidents, releases, rollouts, services, users } from "@/db/schema";
import type { SubjectRef } from "@/lib/domain/audit-sentence";

/** Who the actors are and what the subjects are called, for the events shown (one query per kind). */
export interface AuditContext {
  names: Map<number, string>;
  subjects: Map<string, SubjectRef>;
}

export const subjectKey = (type: string | null, id: string | null) => `${type ?? ""}:${id ?? ""}`;

const idsOf = (events: readonly AuditEventRow[], type: string) => [...new Set(events.filter((e) => e.subjectType === type && /^\d+$/.test(e.subjectId ?? "")).map((e) => Number(e.subjectId)))];

export function auditContext(db: Executor, events: readonly AuditEventRow[]): AuditContext {
  const subjects = new Map<string, SubjectRef>();
  const put = (type: string, id: number, label: string, href?: string) => subjects.set(subjectKey(type, String(id)), { label, href });

  const actorIds = [...new Set(events.flatMap((e) => (e.actorId ? [e.actorId] : [])))];
  const userIds = [...new Set([...actorIds, ...idsOf(events, "user")])];
  const people = userIds.length ? db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, userIds)).all() : [];
  const names = new Map(people.map((u) => [u.id, u.name]));
  for (const u of people) put("user", u.id, `${u.name} (${u.email})`, "/settings/users");

  const rolloutIds = idsOf(events, "rollout");
  if (rolloutIds.length) {
    const rows = db
      .select({ id: rollouts.id, version: rollouts.toVersion, service: services.name, environment: environments.name })
      .from(rollouts)
      .innerJoin(services, eq(services.id, rollouts.serviceId))
      .innerJoin(environments, eq(environments.id, rollouts.environmentId))
      .where(inArray(rollouts.id, rolloutIds))
      .all();
    for (const r of rows) put("rollout", r.id, `rollout #${r.id} (${r.service} ${r.version} in ${r.environment})`, `/rollouts/${r.id}`);
  }
  const releaseIds = idsOf(events, "release");
  if (releaseIds.length) {
    const rows = db.select({ id: releases.id, version: releases.version, service: services.name }).from(releases).innerJoin(services, eq(services.id, releases.serviceId)).where(inArray(releases.id, releaseIds)).all();
    for (const r of rows) put("release", r.id, `release #${r.id} (${r.service} ${r.version})`, `/releases/${r.id}`);
  }
  const incidentIds = idsOf(events, "incident");
  if (incidentIds.length) {
    for (const i of db.select({ id: incidents.id, title: incidents.title }).from(incidents).where(inArray(incidents.id, incidentIds)).all()) put("incident", i.id, `incident #${i.id} (${i.title})`, `/incidents/${i.id}`);
  }
  const flagIds = idsOf(events, "flag");
  if (flagIds.length) {
    for (const f of db.select({ id: featureFlags.id, key: featureFlags.key }).from(featureFlags).where(inArray(featureFlags.id, flagIds)).all()) put("flag", f.id, `flag ${f.key}`, `/flags/${f.id}`);
  }
  const serviceIds = idsOf(events, "service");
  if (serviceIds.length) {
    for (const s of db.select({ id: services.id, name: services.name }).from(services).where(inArray(services.id, serviceIds)).all()) put("service", s.id, `service ${s.name}`, `/settings/services/${s.id}`);
  }
  const environmentIds = idsOf(events, "environment");
  if (environmentIds.length) {
    for (const e of db.select({ id: environments.id, name: environments.name }).from(environments).where(inArray(environments.id, environmentIds)).all()) put("environment", e.id, `environment ${e.name}`, `/settings/environments/${e.id}`);
  }
  return { names, subjects };
}

/** The subject of an event: its label and link when known, else "type id" (deleted or unlinked kinds). */
export function subjectOf(ctx: AuditContext, e: Pick<AuditEventRow, "subjectType" | "subjectId">): SubjectRef | null {
  if (!e.subjectType) return null;
  return ctx.subjects.get(subjectKey(e.subjectType, e.subjectId)) ?? { label: `${e.subjectType.replace(/_/g, " ")}${e.subjectId ? ` ${e.subjectId}` : ""}` };
}
