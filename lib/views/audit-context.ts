import "server-only";
import type { Executor } from "@/db/connection";
import type { AuditEventRow } from "@/db/queries/audit";
import { environmentNames, flagKeys, incidentTitles, peopleByIds, releaseLabels, rolloutLabels, serviceNames } from "@/db/queries/audit-subjects";
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

  const actorIds = events.flatMap((e) => (e.actorId ? [e.actorId] : []));
  const people = peopleByIds(db, [...new Set([...actorIds, ...idsOf(events, "user")])]);
  const names = new Map(people.map((u) => [u.id, u.name]));
  for (const u of people) put("user", u.id, `${u.name} (${u.email})`, "/settings/users");
  for (const r of rolloutLabels(db, idsOf(events, "rollout"))) put("rollout", r.id, `rollout #${r.id} (${r.service} ${r.version} in ${r.environment})`, `/rollouts/${r.id}`);
  for (const r of releaseLabels(db, idsOf(events, "release"))) put("release", r.id, `release #${r.id} (${r.service} ${r.version})`, `/releases/${r.id}`);
  for (const i of incidentTitles(db, idsOf(events, "incident"))) put("incident", i.id, `incident #${i.id} (${i.title})`, `/incidents/${i.id}`);
  for (const f of flagKeys(db, idsOf(events, "flag"))) put("flag", f.id, `flag ${f.key}`, `/flags/${f.id}`);
  for (const s of serviceNames(db, idsOf(events, "service"))) put("service", s.id, `service ${s.name}`, `/settings/services/${s.id}`);
  for (const e of environmentNames(db, idsOf(events, "environment"))) put("environment", e.id, `environment ${e.name}`, `/settings/environments/${e.id}`);
  return { names, subjects };
}

/** The subject of an event: its label and link when known, else "type id" (deleted or unlinked kinds). */
export function subjectOf(ctx: AuditContext, e: Pick<AuditEventRow, "subjectType" | "subjectId">): SubjectRef | null {
  if (!e.subjectType) return null;
  return ctx.subjects.get(subjectKey(e.subjectType, e.subjectId)) ?? { label: `${e.subjectType.replace(/_/g, " ")}${e.subjectId ? ` ${e.subjectId}` : ""}` };
}
