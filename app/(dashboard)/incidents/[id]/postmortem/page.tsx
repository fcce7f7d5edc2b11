import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OverdueBadge } from "@/components/postmortems/overdue-badge";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listUsersWithRoles } from "@/db/queries/users";
import { authorizePage } from "@/lib/auth/session";
import {
  ACTION_ITEM_KINDS,
  ACTION_ITEM_KIND_LABELS,
  POSTMORTEM_FIELDS,
  POSTMORTEM_HINTS,
  POSTMORTEM_LABELS,
  POSTMORTEM_TEXT_MAX,
  REQUIRED_TO_PUBLISH,
  actionItemStatus,
  isActionItemOverdue,
  utc,
  utcDate,
} from "@/lib/domain/incidents/postmortem";
import { can } from "@/lib/domain/permissions";
import { loadPostmortem } from "@/lib/views/postmortem";
import { addPostmortemActionItemAction, completePostmortemActionItemAction, publishPostmortemAction, savePostmortemAction } from "./actions";

export const metadata: Metadata = { title: "Postmortem" };

/**
 * An incident's postmortem (L3, Google SRE template): prefilled from the incident, its timeline and
 * the rollback decision until first saved; action items with owner and due date; Markdown export.
 */
export default async function PostmortemPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { actor } = await authorizePage("incident.read", "/incidents/[id]/postmortem");
  const db = getDb();
  const view = /^\d+$/.test(id) ? loadPostmortem(db, Number(id)) : undefined;
  if (!view) notFound();
  const { incident, postmortem, items, document, now, overdue } = view;
  const published = postmortem?.status === "published";
  // The services decide again from the database; this only chooses which forms to show.
  const writer = can(actor.roles, "incident.manage") || incident.commanderId === actor.id;
  const idField = <input type="hidden" name="incidentId" value={incident.id} />;
  const owners = listUsersWithRoles(db)
    .filter((u) => !u.disabled)
    .map((u) => ({ value: String(u.id), label: `${u.name} (${u.email})` }));
  return (
    <>
      <PageHeader
        title={`Postmortem: #${incident.id} ${incident.title}`}
        description={`${incident.severity} · ${incident.status} · postmortem ${postmortem ? postmortem.status : "not started"}${postmortem?.publishedAt ? ` (published ${utc(postmortem.publishedAt)})` : ""}`}
        actions={
          <div className="flex gap-4 text-sm">
            <Link href={`/incidents/${incident.id}`} className="underline">
              Incident
            </Link>
            <a href={`/incidents/${incident.id}/postmortem/export`} download className="text-sky-700 underline">
              Export Markdown
            </a>
          </div>
        }
      />
      <p className="mb-4 text-sm" data-testid="postmortem-due">
        Due {incident.postmortemDueAt ? utc(incident.postmortemDueAt) : "—"}
        {overdue && <OverdueBadge title="The postmortem is past its due time and not published." testId="postmortem-overdue" />}
      </p>
      <Card title={published ? "Postmortem (published)" : "Postmortem"}>
        {published || !writer ? (
          <dl className="space-y-3 text-sm" aria-label="Postmortem">
            {!postmortem && <p className="text-slate-600">Not started yet; below is what Flightdeck recorded.</p>}
            {POSTMORTEM_FIELDS.map((f) => (
              <div key={f}>
                <dt className="font-medium">{POSTMORTEM_LABELS[f]}</dt>
                <dd className="whitespace-pre-wrap" data-field={f}>
                  {document.text[f] || "—"}
                </dd>
              </div>
            ))}
          </dl>
        ) : (
          <ActionForm
            action={savePostmortemAction}
            submitLabel="Save draft"
            pendingLabel="Saving…"
            successMessage="Draft saved."
            secondary={{ action: publishPostmortemAction, label: "Publish", pendingLabel: "Publishing…" }}
            aria-label="Postmortem"
            className="space-y-3"
          >
            {idField}
            <input type="hidden" name="expectedVersion" value={postmortem?.rowVersion ?? ""} />
            {!postmortem && <p className="text-sm text-slate-600">Prefilled from the incident, its timeline and the rollback decision. Nothing is saved until you save the draft.</p>}
            {POSTMORTEM_FIELDS.map((f) => (
              <Field
                key={f}
                name={f}
                label={`${POSTMORTEM_LABELS[f]}${REQUIRED_TO_PUBLISH.includes(f) ? " (needed to publish)" : ""}`}
                hint={POSTMORTEM_HINTS[f]}
                defaultValue={document.text[f]}
                multiline
                rows={f === "summary" || f === "resolution" || f === "detection" ? 4 : 3}
                maxLength={POSTMORTEM_TEXT_MAX}
              />
            ))}
          </ActionForm>
        )}
      </Card>
      <Card title="Action items" className="mt-4">
        {items.length === 0 ? (
          <EmptyState>No action item yet.</EmptyState>
        ) : (
          <table className="w-full text-sm" aria-label="Action items">
            <thead className="text-left text-slate-600">
              <tr>
                <th className="py-1">Action item</th>
                <th className="py-1">Type</th>
                <th className="py-1">Owner</th>
                <th className="py-1">Due</th>
                <th className="py-1">Status</th>
                <th className="py-1" />
              </tr>
            </thead>
            <tbody>
              {items.map(({ item, owner }) => (
                <tr key={item.id} className="border-t border-slate-200 align-top" data-action-item={item.id}>
                  <td className="py-1.5 whitespace-pre-wrap">{item.text}</td>
                  <td className="py-1.5">{ACTION_ITEM_KIND_LABELS[item.kind]}</td>
                  <td className="py-1.5">{owner}</td>
                  <td className="py-1.5">
                    {item.dueOn}
                    {isActionItemOverdue(item, now) && <OverdueBadge title="Past its due date and not done." />}
                  </td>
                  <td className="py-1.5">{actionItemStatus(item, now)}</td>
                  <td className="py-1.5">
                    {item.doneAt === null && (writer || item.ownerId === actor.id) && (
                      <ActionForm action={completePostmortemActionItemAction} submitLabel="Mark done" toast="Action item marked done." variant="secondary" aria-label={`Mark action item ${item.id} done`}>
                        {idField}
                        <input type="hidden" name="itemId" value={item.id} />
                      </ActionForm>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {writer && !postmortem && <p className="mt-3 text-sm text-slate-600">Save the draft to add action items.</p>}
        {writer && postmortem && (
          <ActionForm action={addPostmortemActionItemAction} submitLabel="Add action item" toast="Action item added." resetOnSuccess aria-label="Add an action item" className="mt-4 grid gap-3 md:grid-cols-2">
            {idField}
            <Field name="text" label="What needs doing" maxLength={1000} className="md:col-span-2" />
            <Field name="kind" label="Type" defaultValue="prevent" options={ACTION_ITEM_KINDS.map((k) => ({ value: k, label: ACTION_ITEM_KIND_LABELS[k] }))} />
            <Field name="ownerId" label="Owner" defaultValue="" options={[{ value: "", label: "Choose an owner" }, ...owners]} />
            <Field name="dueOn" label="Due date (UTC)" type="date" hint={`Today (UTC) is ${utcDate(now)}.`} />
          </ActionForm>
        )}
      </Card>
    </>
  );
}
