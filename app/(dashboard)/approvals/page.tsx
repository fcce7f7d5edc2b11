import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { pendingApprovalsForRoles } from "@/db/queries/releases";
import { authorizePage } from "@/lib/auth/session";
import { formatDuration } from "@/lib/domain/format";
import { ROLE_LABELS, type Role } from "@/lib/domain/roles";

export const metadata: Metadata = { title: "Approvals" };

export default async function ApprovalsPage() {
  const { actor } = await authorizePage("approval.read", "/approvals");
  const pending = pendingApprovalsForRoles(getDb(), actor.roles);
  return (
    <>
      <PageHeader title="Approvals inbox" description="Approvals waiting for one of your roles, oldest first." />
      {pending.length === 0 ? (
        <EmptyState>Nothing is waiting for your approval.</EmptyState>
      ) : (
        <table className="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Pending approvals">
          <thead className="bg-slate-100 text-left">
            <tr>
              <th className="p-2">Release</th>
              <th className="p-2">As</th>
              <th className="p-2">Kind</th>
              <th className="p-2">Waiting</th>
            </tr>
          </thead>
          <tbody>
            {pending.map((a) => (
              <tr key={a.id} className="border-t border-slate-200">
                <td className="p-2">
                  <Link href={`/approvals/${a.id}`} className="underline">
                    {a.service} <span className="font-mono">{a.version}</span>
                  </Link>
                  {a.hotfix && <span className="ml-2 rounded bg-red-100 px-1 text-xs text-red-900">hotfix</span>}
                </td>
                <td className="p-2">{ROLE_LABELS[a.role as Role] ?? a.role}</td>
                <td className="p-2">{a.kind}</td>
                <td className="p-2">{formatDuration(a.ageMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
