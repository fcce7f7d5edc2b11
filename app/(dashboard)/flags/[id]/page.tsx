import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { formatTime } from "@/lib/domain/format";
import { FlagEndpoint, type LastSync } from "@/components/flags/flag-endpoint";
import { ActionForm } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listAuditEvents } from "@/db/queries/audit";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { findFlag } from "@/db/queries/flags";
import { authorizePage } from "@/lib/auth/session";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { can } from "@/lib/domain/permissions";
import { disableFlagAction, setFlagEndpointAction, updateFlagAction } from "../actions";
import { FlagFields } from "../flag-fields";

export const metadata: Metadata = { title: "Feature flag" };

/** What an audit event did to the flag, in a line (details as recordAudit stored them). */
function change(details: string): string {
  const d = JSON.parse(details) as { after?: { enabled?: boolean; rolloutPercentage?: number }; enabled?: boolean; rolloutPercentage?: number; rolloutId?: number };
  const state = d.after ?? d;
  const what = state.enabled === undefined ? "" : `${state.enabled ? "on" : "off"}, ${state.rolloutPercentage}%`;
  return d.rolloutId ? `${what} (rollout #${d.rolloutId})` : what;
}

/** The newest send to the external flag service (synced or failed), from the audit trail. */
function lastSyncOf(db: ReturnType<typeof getDb>, flagId: number): LastSync | null {
  const newest = ["flag.external_synced", "flag.external_sync_failed"]
    .map((action) => listAuditEvents(db, { subjectType: "flag", subjectId: String(flagId), action }, { limit: 1 }).events[0])
    .filter((e) => e !== undefined)
    .sort((a, b) => b.id - a.id)[0];
  if (!newest) return null;
  const d = JSON.parse(newest.details) as { enabled: boolean; rolloutPercentage: number; attempts: number; answer: string; error: string | null };
  return { ok: newest.action === "flag.external_synced", at: formatTime(newest.createdAt), enabled: d.enabled, rolloutPercentage: d.rolloutPercentage, attempts: d.attempts, answer: d.answer, error: d.error };
}

export default async function FlagPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { actor } = await authorizePage("flag.read", "/flags/[id]");
  const db = getDb();
  const flag = /^\d+$/.test(id) ? findFlag(db, Number(id)) : undefined;
  if (!flag) notFound();
  const manage = can(actor.roles, "flag.manage");
  const history = listAuditEvents(db, { subjectType: "flag", subjectId: String(flag.id) }, { limit: 20 }).events;
  return (
    <>
      <PageHeader title={`Flag ${flag.key}`} description={`${flag.enabled ? "On" : "Off"} at ${flag.rolloutPercentage}% of targeting keys.`} />
      {manage && (
        <div className="mb-6 grid gap-4 lg:grid-cols-3">
          <Card title="Edit" className="lg:col-span-2">
            <FlagFields action={updateFlagAction} submitLabel="Save flag" services={listServices(db)} environments={listEnvironments(db)} values={flag} />
          </Card>
          <Card title="Kill switch">
            <p className="mb-3 text-sm text-slate-600">Off and 0% at once, whatever changed meanwhile (runbook 002&apos;s immediate rollback).</p>
            <ActionForm action={disableFlagAction} submitLabel="Switch off now" successMessage="Switched off." variant="danger" confirm={`Switch ${flag.key} off for everyone?`} aria-label="Switch the flag off">
              <input type="hidden" name="id" value={flag.id} />
            </ActionForm>
          </Card>
        </div>
      )}
      {(flag.externalUrl || can(actor.roles, "service.manage")) && (
        <Card title="External flag service" className="mb-6">
          <FlagEndpoint
            flagId={flag.id}
            rowVersion={flag.rowVersion}
            maskedUrl={flag.externalUrl ? maskUrl(flag.externalUrl) : null}
            body={flag.externalBody}
            lastSync={lastSyncOf(db, flag.id)}
            action={can(actor.roles, "service.manage") ? setFlagEndpointAction : undefined}
          />
        </Card>
      )}
      <Card title="History">
        <ol className="space-y-1 text-sm" aria-label="Flag history, newest first">
          {history.map((e) => (
            <li key={e.id}>
              <span className="font-mono text-xs text-slate-500">{formatTime(e.createdAt)}</span> <span className="font-medium">{e.action}</span> by {e.actorLabel}: {change(e.details)}
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
