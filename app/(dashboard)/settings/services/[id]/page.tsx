import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AnalysisConfigForm } from "@/components/settings/analysis-config-form";
import { ServiceFields } from "@/components/settings/service-fields";
import { StepHooks } from "@/components/settings/step-hooks";
import { PromoteGatesForm } from "@/components/settings/promote-gates-form";
import { formValuesOf } from "@/lib/domain/promote-gates/config";
import { readPromoteGates } from "@/lib/services/promote-gates/read-promote-gates";
import { buildsFromGit } from "@/lib/services/promote-gates/internal";
import { updatePromoteGatesAction } from "./actions";
import { ActionForm } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { listStepHooks } from "@/db/queries/hooks";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { authorizePage } from "@/lib/auth/session";
import { REPLAY_DEFAULT_LIMIT } from "@/lib/domain/analysis/replay";
import { readAnalysisConfig } from "@/lib/services/analysis/read-analysis-config";
import {
  createStepHookAction,
  deleteServiceAction,
  deleteStepHookAction,
  replayAnalysisAction,
  updateAnalysisConfigAction,
  updateServiceAction,
  updateStepHookAction,
} from "../actions";

export const metadata: Metadata = { title: "Edit service" };

export default async function EditServicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await authorizePage("service.manage", "/settings/services/[id]");
  const service = /^\d+$/.test(id) ? findService(getDb(), Number(id)) : undefined;
  if (!service) notFound();
  const analysis = readAnalysisConfig(getDb(), service.id);
  const gates = readPromoteGates(getDb(), service.id);
  // The hooks' URLs are secrets: only their masked form reaches the page.
  const hooks = listStepHooks(getDb(), service.id).map(({ url, ...h }) => ({ ...h, maskedUrl: maskUrl(url) }));
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
      <Card title="Step hooks" className="mb-6">
        <StepHooks serviceId={service.id} hooks={hooks} createAction={createStepHookAction} updateAction={updateStepHookAction} deleteAction={deleteStepHookAction} />
      </Card>
      <Card title="Promote gates" className="mb-6">
        <PromoteGatesForm
          serviceId={service.id}
          rowVersion={gates.rowVersion}
          values={formValuesOf(gates.config)}
          error={gates.error}
          buildsFromGit={buildsFromGit(service.deployTarget)}
          action={updatePromoteGatesAction}
        />
      </Card>
      <Card title="Danger zone">
        <ActionForm
          action={deleteServiceAction}
          submitLabel="Delete service"
          toast={`Service ${service.name} deleted.`}
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
