import type { Metadata } from "next";
import Link from "next/link";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { authorizePage } from "@/lib/auth/session";
import type { Actor } from "@/lib/domain/actor";
import { formatDuration } from "@/lib/domain/format";
import { ROLE_LABELS, type Role } from "@/lib/domain/roles";
import { type InboxRow, approvalInbox } from "@/lib/views/approvals-inbox";

export const metadata: Metadata = { title: "Approvals" };

/** The inbox at the time of the request. */
function inboxAtRequest(actor: Actor) {
  const now = Date.now();
  return { now, inbox: approvalInbox(getDb(), actor, now) };
}

function InboxTable({ label, rows, now, why }: { label: string; rows: readonly (InboxRow & { reason?: string })[]; now: number; why?: boolean }) {
  return (
    <table className="w-full text-sm" aria-label={label}>
      <thead className="text-left text-slate-600">
        <tr>
          <th className="py-1">Release</th>
          <th>As</th>
          <th>Kind</th>
          <th>Waiting</th>
          {why && <th>Why not you</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((a) => (
          <tr key={a.id} className="border-t border-slate-200">
            <td className="py-1">
              <Link href={`/approvals/${a.id}`} className="underline">
                {a.service} <span className="font-mono">{a.version}</span>
              </Link>
              {a.hotfix && <span className="ml-2 rounded bg-red-100 px-1 text-xs text-red-900">hotfix</span>}
            </td>
            <td>{ROLE_LABELS[a.role as Role] ?? a.role}</td>
            <td>{a.kind}</td>
            <td>{formatDuration(now - a.requestedAt)}</td>
            {why && <td className="text-slate-700">{a.reason}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The approvals inbox (D5, issue 14 item 3): what I can decide now, and separately what waits on
 * others, with the reason I cannot decide it given before any click.
 */
export default async function ApprovalsPage() {
  const { actor } = await authorizePage("approval.read", "/approvals");
  const { now, inbox } = inboxAtRequest(actor);
  const others = inbox.notYours.length + inbox.onYourReleases.length;
  return (
    <>
      <PageHeader title="Approvals inbox" description="What you can decide now, oldest first; then what waits on others." />
      <Card title={`Waiting for you (${inbox.yours.length})`}>
        {inbox.yours.length === 0 ? <EmptyState>Nothing is waiting for your approval.</EmptyState> : <InboxTable label="Pending approvals" rows={inbox.yours} now={now} />}
      </Card>
      {others > 0 && (
        <Card title={`Waiting on others (${others})`} className="mt-6">
          {inbox.notYours.length > 0 && (
            <>
              <p className="mb-2 text-sm text-slate-600">Requests for one of your roles that someone else must decide:</p>
              <InboxTable label="Approvals you cannot decide" rows={inbox.notYours} now={now} why />
            </>
          )}
          {inbox.onYourReleases.length > 0 && (
            <>
              <p className="mt-4 mb-2 text-sm text-slate-600">Requests on releases you created or drove:</p>
              <InboxTable label="Approvals on your releases" rows={inbox.onYourReleases} now={now} />
            </>
          )}
        </Card>
      )}
    </>
  );
}
