import type { Metadata } from "next";
import { randomUUID } from "node:crypto";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { planRollback } from "@/lib/services/rollouts/plan-rollback";
import { executeRollbackAction } from "../actions";

export const metadata: Metadata = { title: "Roll back" };

type Params = Promise<Record<string, string | string[] | undefined>>;

/** Rollback is a dry-run plan first (runbook 000); applying it is a separate, audited step. */
export default async function RollbackPage({ searchParams }: { searchParams: Params }) {
  const { actor } = await authorizePage("rollout.read", "/rollouts/rollback");
  const params = await searchParams;
  const db = getDb();
  const services = listServices(db);
  const environments = listEnvironments(db);
  const serviceId = Number(params.serviceId) || services[0]?.id;
  const environmentId = Number(params.environmentId) || environments.find((e) => e.production)?.id || environments[0]?.id;
  const known = services.some((s) => s.id === serviceId) && environments.some((e) => e.id === environmentId);
  const plan = known && serviceId && environmentId ? planRollback(db, serviceId, environmentId) : null;
  return (
    <>
      <PageHeader title="Roll back" description="See exactly what a rollback would do (dry run), then apply it." />
      <form method="get" className="mb-6 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4" aria-label="Choose what to roll back">
        <label className="text-sm">
          <span className="block font-medium">Service</span>
          <select name="serviceId" defaultValue={serviceId} className="mt-1 rounded border border-slate-300 px-2 py-1">
            {services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium">Environment</span>
          <select name="environmentId" defaultValue={environmentId} className="mt-1 rounded border border-slate-300 px-2 py-1">
            {environments.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-sm text-white">
          Show plan
        </button>
      </form>
      {plan && (
        <Card title="Dry-run plan">
          {!plan.ok ? (
            <p role="status" className="text-sm text-slate-700" data-testid="rollback-plan">
              {plan.reason}
            </p>
          ) : (
            <div className="space-y-3" data-testid="rollback-plan">
              <p className="text-sm">
                From <span className="font-mono">{plan.from ?? "—"}</span> to <span className="font-mono">{plan.to ?? "nothing"}</span> ({plan.source}).
              </p>
              <ol className="list-decimal pl-6 text-sm">
                {plan.steps.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ol>
              {can(actor.roles, "rollout.abort") ? (
                <ActionForm
                  action={executeRollbackAction}
                  submitLabel="Apply rollback"
                  toast="Rollback started."
                  variant="danger"
                  confirm={`Roll back to ${plan.to ?? "nothing"} now?`}
                  successHref="/rollouts/{id}"
                  aria-label="Apply rollback"
                >
                  <input type="hidden" name="serviceId" value={serviceId} />
                  <input type="hidden" name="environmentId" value={environmentId} />
                  <input type="hidden" name="expectedTo" value={plan.to ?? ""} />
                  <input type="hidden" name="idempotencyKey" value={randomUUID()} />
                  <Field name="reason" label="Reason" />
                </ActionForm>
              ) : (
                <p className="text-sm text-slate-600">Only release captains and on-call can apply a rollback.</p>
              )}
            </div>
          )}
        </Card>
      )}
    </>
  );
}
