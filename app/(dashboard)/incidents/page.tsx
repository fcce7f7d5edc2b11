import type { Metadata } from "next";
import { IncidentTable } from "@/components/incidents/incident-table";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { listIncidents } from "@/db/queries/incidents";
import { authorizePage } from "@/lib/auth/session";
import { INCIDENT_SEVERITIES, SEVERITY_LABELS } from "@/lib/domain/incidents/rules";
import { can } from "@/lib/domain/permissions";
import { openIncidentAction } from "./actions";
import { overduePostmortems } from "@/lib/views/postmortem";

export const metadata: Metadata = { title: "Incidents" };

/** Incidents (L1): open ones with their live SLA timers first, then the resolved history. */
export default async function IncidentsPage() {
  const { actor } = await authorizePage("incident.read", "/incidents");
  const db = getDb();
  const rows = listIncidents(db, { limit: 100 });
  const open = rows.filter((r) => r.incident.status !== "resolved");
  const resolved = rows.filter((r) => r.incident.status === "resolved");
  const overdue = overdueNow(db, rows);
  return (
    <>
      <PageHeader title="Incidents" description="Opened by production rollbacks or by hand. SLA: P1 acknowledge within 5 min, mitigate within 30 min; P2 15 min / 2 h." />
      <Card title="Open incidents">
        {open.length === 0 ? <EmptyState>No open incident.</EmptyState> : <IncidentTable rows={open} overdue={overdue} />}
      </Card>
      {can(actor.roles, "incident.manage") && (
        <Card title="Open an incident" className="mt-6">
          <ActionForm action={openIncidentAction} submitLabel="Open incident" toast="Incident opened." pendingLabel="Opening…" successHref="/incidents/{id}" aria-label="Open an incident" className="grid gap-3 md:grid-cols-2">
            <Field name="title" label="Title" maxLength={200} required />
            <Field
              name="kind"
              label="Kind"
              options={[
                { value: "outage", label: "Outage" },
                { value: "security", label: "Security (P1 locks the security gate down)" },
                { value: "other", label: "Other" },
              ]}
            />
            <Field name="severity" label="Severity" options={INCIDENT_SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABELS[s] }))} />
            <Field name="serviceId" label="Service (optional)" options={[{ value: "", label: "None" }, ...listServices(db).map((s) => ({ value: String(s.id), label: s.name }))]} />
            <Field name="environmentId" label="Environment (optional)" options={[{ value: "", label: "None" }, ...listEnvironments(db).map((e) => ({ value: String(e.id), label: e.name }))]} />
            <Field
              name="detectedAt"
              label="Detected at (UTC, optional)"
              type="datetime-local"
              hint="When the impact was first noticed, if before now (at most 24 h ago). The SLA clocks run from it."
            />
            <Field name="summary" label="Summary" multiline rows={3} maxLength={4000} className="md:col-span-2" />
          </ActionForm>
        </Card>
      )}
      <Card title="Resolved incidents" className="mt-6">
        {resolved.length === 0 ? <EmptyState>No resolved incident yet.</EmptyState> : <IncidentTable rows={resolved} overdue={overdue} />}
      </Card>
    </>
  );
}

/** L3: incidents whose postmortem is past due and unpublished, at the time of the request. */
function overdueNow(db: ReturnType<typeof getDb>, rows: ReturnType<typeof listIncidents>): Set<number> {
  return overduePostmortems(db, rows, Date.now());
}
