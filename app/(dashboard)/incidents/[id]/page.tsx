import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatTime } from "@/lib/domain/format";
import { SlaTimers } from "@/components/incidents/sla-timers";
import { OverdueBadge } from "@/components/postmortems/overdue-badge";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findIncident, timelineOf } from "@/db/queries/incidents";
import { postmortemOf } from "@/db/queries/postmortems";
import { findUserById, listUsersWithRoles } from "@/db/queries/users";
import { authorizePage } from "@/lib/auth/session";
import { isPostmortemOverdue } from "@/lib/domain/incidents/postmortem";
import { INCIDENT_SEVERITIES, SEVERITY_LABELS } from "@/lib/domain/incidents/rules";
import { TIMELINE_LABELS, type TimelineKind } from "@/lib/domain/incidents/timeline";
import { can } from "@/lib/domain/permissions";
import { acknowledgeIncidentAction, addIncidentNoteAction, advanceIncidentAction, setIncidentCommanderAction, setIncidentSeverityAction } from "../actions";

export const metadata: Metadata = { title: "Incident" };

const NEXT_STEPS = [
  { to: "mitigated", label: "Mark mitigated", from: ["open", "acknowledged"] },
  { to: "resolved", label: "Resolve", from: ["open", "acknowledged", "mitigated"] },
] as const;

/** One incident (L1, K2): live SLA timers, status, severity, commander, and its timeline. */
export default async function IncidentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { actor } = await authorizePage("incident.read", "/incidents/[id]");
  const db = getDb();
  const incident = /^\d+$/.test(id) ? findIncident(db, Number(id)) : undefined;
  if (!incident) notFound();
  const service = incident.serviceId ? findService(db, incident.serviceId) : undefined;
  const environment = incident.environmentId ? findEnvironment(db, incident.environmentId) : undefined;
  const commander = incident.commanderId ? findUserById(db, incident.commanderId) : undefined;
  const timeline = timelineOf(db, incident.id);
  const postmortem = postmortemOf(db, incident.id);
  const open = incident.status !== "resolved";
  const manage = open && can(actor.roles, "incident.manage");
  const version = <input type="hidden" name="expectedVersion" value={incident.rowVersion} />;
  const idField = <input type="hidden" name="incidentId" value={incident.id} />;
  return (
    <>
      <PageHeader
        title={`#${incident.id} ${incident.title}`}
        description={`${incident.severity} · ${incident.kind} · ${incident.status} · opened ${formatTime(incident.openedAt)}`}
        actions={
          <Link href="/incidents" className="text-sm underline">
            All incidents
          </Link>
        }
      />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="SLA">
          <SlaTimers incident={incident} />
          <dl className="mt-3 grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
            <dt className="font-medium">Detected</dt>
            <dd data-testid="incident-detected">{formatTime(incident.detectedAt ?? incident.openedAt)}</dd>
            <dt className="font-medium">Status</dt>
            <dd data-testid="incident-status">{incident.status}</dd>
            <dt className="font-medium">Acknowledged</dt>
            <dd>{incident.acknowledgedAt ? formatTime(incident.acknowledgedAt) : "—"}</dd>
            <dt className="font-medium">Mitigated</dt>
            <dd>{incident.mitigatedAt ? formatTime(incident.mitigatedAt) : "—"}</dd>
            <dt className="font-medium">Resolved</dt>
            <dd>{incident.resolvedAt ? formatTime(incident.resolvedAt) : "—"}</dd>
            <dt className="font-medium">Postmortem due</dt>
            <dd>
              {incident.postmortemDueAt ? formatTime(incident.postmortemDueAt) : "—"}
              {postmortemOverdueNow(incident.postmortemDueAt, postmortem?.status ?? null) && <OverdueBadge title="The postmortem is past its due time and not published." testId="postmortem-overdue" />}{" "}
              <Link href={`/incidents/${incident.id}/postmortem`} className="text-sky-700 underline">
                {postmortem ? `Postmortem (${postmortem.status})` : "Write the postmortem"}
              </Link>
            </dd>
          </dl>
        </Card>
        <Card title="Details">
          <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
            <dt className="font-medium">Severity</dt>
            <dd data-testid="incident-severity">{SEVERITY_LABELS[incident.severity]}</dd>
            <dt className="font-medium">Commander</dt>
            <dd>{commander?.name ?? "not set"}</dd>
            <dt className="font-medium">Where</dt>
            <dd>{[service?.name, environment?.name].filter(Boolean).join(" in ") || "—"}</dd>
            <dt className="font-medium">Rollout</dt>
            <dd>{incident.rolloutId ? <Link href={`/rollouts/${incident.rolloutId}`} className="text-sky-700 underline">#{incident.rolloutId}</Link> : "—"}</dd>
            <dt className="font-medium">Release</dt>
            <dd>{incident.releaseId ? <Link href={`/releases/${incident.releaseId}`} className="text-sky-700 underline">#{incident.releaseId}</Link> : "—"}</dd>
            <dt className="font-medium">Summary</dt>
            <dd className="whitespace-pre-wrap">{incident.summary || "—"}</dd>
          </dl>
        </Card>
      </div>
      {open && (
        <Card title="Respond" className="mt-4">
          <div className="flex flex-wrap items-start gap-4">
            {incident.status === "open" && can(actor.roles, "incident.acknowledge") && (
              <ActionForm action={acknowledgeIncidentAction} submitLabel="Acknowledge" toast="Incident acknowledged." pendingLabel="Acknowledging…" aria-label="Acknowledge">
                {idField}
                {version}
              </ActionForm>
            )}
            {manage &&
              NEXT_STEPS.filter((s) => (s.from as readonly string[]).includes(incident.status)).map((s) => (
                <ActionForm key={s.to} action={advanceIncidentAction} submitLabel={s.label} toast={`Incident is now ${s.to}.`} variant="secondary" aria-label={s.label}>
                  {idField}
                  {version}
                  <input type="hidden" name="to" value={s.to} />
                </ActionForm>
              ))}
          </div>
          {manage && (
            <div className="mt-4 grid gap-4 md:grid-cols-2">
              <ActionForm action={setIncidentSeverityAction} submitLabel="Change severity" toast="Severity changed." variant="secondary" aria-label="Change severity" className="space-y-2">
                {idField}
                {version}
                <Field name="severity" label="Severity" defaultValue={incident.severity} options={INCIDENT_SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABELS[s] }))} />
                <Field name="reason" label="Why" maxLength={500} />
              </ActionForm>
              <ActionForm action={setIncidentCommanderAction} submitLabel="Set commander" toast="Commander set." variant="secondary" aria-label="Set commander" className="space-y-2">
                {idField}
                {version}
                <Field
                  name="commanderId"
                  label="Incident commander"
                  defaultValue={incident.commanderId ?? ""}
                  options={listUsersWithRoles(db)
                    .filter((u) => !u.disabled)
                    .map((u) => ({ value: String(u.id), label: `${u.name} (${u.email})` }))}
                />
              </ActionForm>
            </div>
          )}
        </Card>
      )}
      <Card title="Timeline" className="mt-4">
        <ol className="space-y-1 text-sm" aria-label="Incident timeline">
          {timeline.map((e) => (
            <li key={e.id} data-kind={e.kind}>
              <span className="text-slate-500">{formatTime(e.at)}</span> <span className="font-medium">{TIMELINE_LABELS[e.kind as TimelineKind] ?? e.kind}</span>: {e.text}{" "}
              <span className="text-xs text-slate-500">({e.authorLabel})</span>
            </li>
          ))}
        </ol>
        {manage && (
          <ActionForm action={addIncidentNoteAction} submitLabel="Add to timeline" toast="Added to the timeline." resetOnSuccess aria-label="Add a timeline entry" className="mt-3 space-y-2">
            {idField}
            <Field name="text" label="What happened" multiline rows={2} maxLength={2000} />
          </ActionForm>
        )}
      </Card>
    </>
  );
}

/** L3: the postmortem is past due and unpublished, at the time of the request. */
function postmortemOverdueNow(dueAt: number | null, status: "draft" | "published" | null): boolean {
  return isPostmortemOverdue(dueAt, status, Date.now());
}
