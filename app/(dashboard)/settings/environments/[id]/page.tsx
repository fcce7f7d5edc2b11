import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EnvironmentFields } from "@/components/settings/environment-fields";
import { ActionForm } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { deleteEnvironmentAction, updateEnvironmentAction } from "../actions";

export const metadata: Metadata = { title: "Edit environment" };

export default async function EditEnvironmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await authorizePage("environment.manage", "/settings/environments/[id]");
  const environment = /^\d+$/.test(id) ? findEnvironment(getDb(), Number(id)) : undefined;
  if (!environment) notFound();
  return (
    <>
      <PageHeader title={`Environment ${environment.name}`} />
      <Card title="Edit" className="mb-6">
        <EnvironmentFields action={updateEnvironmentAction} submitLabel="Save environment" values={environment} />
      </Card>
      <Card title="Danger zone">
        <ActionForm
          action={deleteEnvironmentAction}
          submitLabel="Delete environment"
          toast="Environment deleted."
          variant="danger"
          confirm={`Delete environment ${environment.name}?`}
          successHref="/settings/environments"
          aria-label="Delete environment"
        >
          <input type="hidden" name="id" value={environment.id} />
          <input type="hidden" name="rowVersion" value={environment.rowVersion} />
        </ActionForm>
      </Card>
    </>
  );
}
