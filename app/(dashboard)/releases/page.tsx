import type { Metadata } from "next";
import Link from "next/link";
import { formatTime } from "@/lib/domain/format";
import { EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listReleases } from "@/db/queries/releases";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";

export const metadata: Metadata = { title: "Releases" };

export default async function ReleasesPage() {
  const { actor } = await authorizePage("release.read", "/releases");
  const releases = listReleases(getDb());
  return (
    <>
      <PageHeader
        title="Releases"
        description="Every release with its current phase."
        actions={
          can(actor.roles, "release.create") && (
            <Link href="/releases/new" className="rounded bg-slate-900 px-3 py-1.5 text-sm text-white">
              New release
            </Link>
          )
        }
      />
      {releases.length === 0 ? (
        <EmptyState>No releases yet.</EmptyState>
      ) : (
        <table className="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Releases">
          <thead className="bg-slate-100 text-left">
            <tr>
              <th className="p-2">Service</th>
              <th className="p-2">Version</th>
              <th className="p-2">Commit</th>
              <th className="p-2">Phase</th>
              <th className="p-2">Created (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {releases.map((r) => (
              <tr key={r.id} className="border-t border-slate-200">
                <td className="p-2">{r.service}</td>
                <td className="p-2 font-mono">
                  <Link href={`/releases/${r.id}`} className="underline">
                    {r.version}
                  </Link>
                  {r.hotfix && <span className="ml-2 rounded bg-red-100 px-1 text-xs text-red-900">hotfix</span>}
                </td>
                <td className="p-2 font-mono text-xs">{r.commitSha.slice(0, 12)}</td>
                <td className="p-2">{r.status.replace(/_/g, " ")}</td>
                <td className="p-2 font-mono text-xs">{formatTime(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
