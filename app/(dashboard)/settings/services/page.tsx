import type { Metadata } from "next";
import Link from "next/link";
import { ServiceFields } from "@/components/settings/service-fields";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listServices } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import type { DeployTarget } from "@/lib/domain/deploy-target";
import { createServiceAction } from "./actions";

export const metadata: Metadata = { title: "Services" };

export default async function ServicesPage() {
  await authorizePage("service.manage", "/settings/services");
  const services = listServices(getDb());
  return (
    <>
      <PageHeader title="Services" description="Each service deploys through one driver: local (embedded), pm2, proxy (HAProxy in front of your upstreams) or command." />
      {services.length === 0 ? (
        <EmptyState>No services yet.</EmptyState>
      ) : (
        <table className="mb-6 w-full rounded-lg border border-slate-200 bg-white text-sm">
          <thead className="bg-slate-100 text-left">
            <tr>
              <th className="p-2">Name</th>
              <th className="p-2">Owner</th>
              <th className="p-2">Driver</th>
              <th className="p-2">Description</th>
            </tr>
          </thead>
          <tbody>
            {services.map((s) => (
              <tr key={s.id} className="border-t border-slate-200">
                <td className="p-2">
                  <Link href={`/settings/services/${s.id}`} className="font-medium text-sky-700 underline">
                    {s.name}
                  </Link>
                </td>
                <td className="p-2">{s.owner}</td>
                <td className="p-2 font-mono">{(JSON.parse(s.deployTarget) as DeployTarget).driver}</td>
                <td className="p-2 text-slate-600">{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Card title="Add service">
        <ServiceFields action={createServiceAction} submitLabel="Add service" resetOnSuccess />
      </Card>
    </>
  );
}
