import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ServiceFields } from "@/components/settings/service-fields";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Forbidden } from "@/components/ui/forbidden";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { readAnalysisConfig } from "@/lib/services/analysis/read-analysis-config";
import { deleteServiceAction, updateAnalysisConfigAction, updateServiceAction } from "../actions";

export const metadata: Metadata = { title: "Edit service" };

export default async function EditServicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { allowed } = await authorizePage("service.manage", "/settings/services/[id]");
  if (!allowed) return <Forbidden what="manage services" />;
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
        <ActionForm action={updateAnalysisConfigAction} submitLabel="Save analysis" successMessage="Saved." aria-label="Canary analysis">
          <input type="hidden" name="serviceId" value={service.id} />
          <input type="hidden" name="rowVersion" value={analysis.rowVersion ?? 0} />
          {analysis.error && (
            <p role="alert" className="text-sm text-red-800">
              The stored config no longer validates ({analysis.error}); analysis reports errors until it is fixed.
            </p>
          )}
          <Field
            name="config"
            label="Analysis config (JSON)"
            multiline
            rows={14}
            defaultValue={JSON.stringify(analysis.config, null, 2)}
            hint={`${analysis.stored ? "Stored config." : "Not configured: the runbook defaults shown apply."} Rules: metric (request_rate, p50_ms, p95_ms, p99_ms, error_rate, burn_rate, cpu_pct, memory_pct), comparison (absolute, relative to baseline, slo), threshold, forSeconds, action (rollback_immediate, rollback_gradual, hold). provider: {"kind":"builtin"} or {"kind":"prometheus","url":…,"queries":{…}}; timeScale shrinks every duration.`}
          />
        </ActionForm>
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
