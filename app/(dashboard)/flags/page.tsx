import type { Metadata } from "next";
import Link from "next/link";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { listFlags } from "@/db/queries/flags";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { createFlagAction } from "./actions";
import { FlagFields } from "./flag-fields";

export const metadata: Metadata = { title: "Feature flags" };

export default async function FlagsPage() {
  const { actor } = await authorizePage("flag.read", "/flags");
  const db = getDb();
  const flags = listFlags(db);
  return (
    <>
      <PageHeader
        title="Feature flags"
        description="Served read-only to flagd and OpenFeature at /api/flags (a flagd definition, fractional targeting); read with your session or an API token with the read scope."
      />
      {flags.length === 0 ? (
        <EmptyState>No flags yet.</EmptyState>
      ) : (
        <table className="mb-6 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Feature flags">
          <thead className="bg-slate-100 text-left">
            <tr>
              <th className="p-2">Key</th>
              <th className="p-2">State</th>
              <th className="p-2">Rollout</th>
              <th className="p-2">Bound to</th>
              <th className="p-2">Description</th>
            </tr>
          </thead>
          <tbody>
            {flags.map(({ flag, service, environment }) => (
              <tr key={flag.id} className="border-t border-slate-200" data-flag={flag.key}>
                <td className="p-2">
                  <Link href={`/flags/${flag.id}`} className="font-mono font-medium text-sky-700 underline">
                    {flag.key}
                  </Link>
                </td>
                <td className="p-2">
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${flag.enabled ? "bg-emerald-100 text-emerald-900" : "bg-slate-200 text-slate-700"}`}>{flag.enabled ? "on" : "off"}</span>
                </td>
                <td className="p-2 tabular-nums">{flag.rolloutPercentage}%</td>
                <td className="p-2">
                  {service && environment ? `${service} in ${environment}` : "—"}
                  {flag.lastRolloutId !== null && (
                    <Link href={`/rollouts/${flag.lastRolloutId}`} className="ml-2 text-xs text-sky-700 underline">
                      set by rollout #{flag.lastRolloutId}
                    </Link>
                  )}
                </td>
                <td className="p-2 text-slate-600">{flag.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can(actor.roles, "flag.manage") && (
        <Card title="Add flag">
          <FlagFields action={createFlagAction} submitLabel="Add flag" services={listServices(db)} environments={listEnvironments(db)} resetOnSuccess />
        </Card>
      )}
    </>
  );
}
