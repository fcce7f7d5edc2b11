import type { Metadata } from "next";
import Link from "next/link";
import { EnvironmentFields } from "@/components/settings/environment-fields";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listEnvironments } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { createEnvironmentAction } from "./actions";

export const metadata: Metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  await authorizePage("environment.manage", "/settings/environments");
  const environments = listEnvironments(getDb());
  return (
    <>
      <PageHeader title="Environments" />
      {environments.length === 0 ? (
        <EmptyState>No environments yet.</EmptyState>
      ) : (
        <table className="mb-6 w-full rounded-lg border border-slate-200 bg-white text-sm">
          <thead className="bg-slate-100 text-left">
            <tr>
              <th className="p-2">Name</th>
              <th className="p-2">Class</th>
              <th className="p-2">Description</th>
            </tr>
          </thead>
          <tbody>
            {environments.map((e) => (
              <tr key={e.id} className="border-t border-slate-200">
                <td className="p-2">
                  <Link href={`/settings/environments/${e.id}`} className="font-medium text-sky-700 underline">
                    {e.name}
                  </Link>
                </td>
                <td className="p-2">{e.production ? "production" : "non-production"}</td>
                <td className="p-2 text-slate-600">{e.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Card title="Add environment">
        <EnvironmentFields action={createEnvironmentAction} submitLabel="Add environment" resetOnSuccess />
      </Card>
    </>
  );
}
