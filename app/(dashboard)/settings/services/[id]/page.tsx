import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AnalysisConfigForm } from "@/components/settings/analysis-config-form";
import { ServiceFields } from "@/components/settings/service-fields";
import { ActionForm } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { REPLAY_DEFAULT_LIMIT } from "@/lib/domain/analysis/replay";
import { readAnalysisConfig } from "@/lib/services/analysis/read-analysis-config";
import { deleteServiceAction, replayAnalysisAction, updateAnalysisConfigAction, updateServiceAction } from "../actions";

export const metadata: Metadata = { title: "Edit service" };

export default async function EditServicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await authorizePage("service.manage", "/settings/services/[id]");
  const service = /^\d+$/.test(id) ? findService(getDb(), Number(id)) : undefined;
  if (!service) notFound();
  const analysis = readAnalysisConfig(getDb(), service.id);
  return (
    <>
      <PageHeader title={`Service ${service.name}`} />
      <Card title="Edit" className="mb-6">
        <ServiceFields action={updateServiceAction} submitLabel="Save service" values={service} />
      </Card>
      <Card title="Canary analysis" className="mb-6">
        <AnalysisConfigForm
          serviceId={service.id}
          rowVersion={analysis.rowVersion ?? 0}
          configJson={JSON.stringify(analysis.config, null, 2)}
          stored={analysis.stored}
          storedError={analysis.error}
          replayLimit={REPLAY_DEFAULT_LIMIT}
          saveAction={updateAnalysisConfigAction}
          replayAction={replayAnalysisAction}
        />
      </Card>
      <Card title="Danger zone">
        <ActionForm
          action={deleteServiceAction}
          submitLabel="Delete service"
          variant="danger"
          confirm={`Delete service ${service.name}?`}
          successHref="/settings/services"
          aria-label="Delete service"
        >
          <input type="hidden" name="id" value={service.id} />
          <input type="hidden" name="rowVersion" value={service.rowVersion} />
        </ActionForm>
      </Card>
    </>
  );
}
