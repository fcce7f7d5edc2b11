import type { Metadata } from "next";
import { formatTime } from "@/lib/domain/format";
import { AutoRefresh } from "@/components/layout/auto-refresh";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { loadHealthView } from "@/lib/health-view";
import { createProbeAction, deleteProbeAction } from "./actions";

export const metadata: Metadata = { title: "Health" };

const CLASS_STYLE = { healthy: "bg-emerald-100 text-emerald-900", degraded: "bg-amber-100 text-amber-900", unhealthy: "bg-red-100 text-red-900" } as const;

export default async function HealthPage() {
  const { actor } = await authorizePage("dashboard.read", "/health");
  const { environments, services } = loadHealthView(getDb());
  const manage = can(actor.roles, "probe.manage");
  return (
    <>
      <AutoRefresh everyMs={5000} />
      <PageHeader title="Health" description="Configured HTTP probes per environment, checked every 10 s by the worker, with their history (runbook 003)." />
      <div className="grid gap-4 lg:grid-cols-2">
        {environments.map((e) => (
          <Card key={e.id} title={`${e.name}`}>
            <p className="mb-2 text-sm">
              Overall health:{" "}
              <span className={`rounded px-2 py-0.5 font-medium ${CLASS_STYLE[e.overall]}`} data-testid={`health-${e.name}`}>
                {e.overall}
              </span>
              {e.probes.length === 0 && <span className="ml-2 text-xs text-slate-500">no probes: never counted as healthy</span>}
            </p>
            <ul className="space-y-2 text-sm" aria-label={`Probes of ${e.name}`}>
              {e.probes.map((p) => (
                <li key={p.id} className="rounded border border-slate-200 p-2" data-health={p.health}>
                  <div className="flex items-center justify-between gap-2">
                    <span>
                      {p.name} <span className={`rounded px-1 text-xs ${CLASS_STYLE[p.health]}`}>{p.health}</span> <span className="text-xs text-slate-500">{p.why}</span>
                    </span>
                    {manage && (
                      <ActionForm action={deleteProbeAction} submitLabel="Delete" toast={`Probe ${p.name} deleted.`} pendingLabel="Deleting…" variant="secondary" aria-label={`Delete probe ${p.name}`}>
                        <input type="hidden" name="probeId" value={p.id} />
                      </ActionForm>
                    )}
                  </div>
                  <div className="text-xs text-slate-500">{p.url ?? "health path of the service's stable version"}</div>
                  <div className="mt-1 flex gap-0.5" aria-label="History, newest first">
                    {p.history.map((h, i) => (
                      <span key={i} title={`${formatTime(h.at)}: ${h.detail}, ${h.ms} ms`} className={`inline-block h-3 w-2 rounded-sm ${h.ok ? "bg-emerald-500" : "bg-red-500"}`} />
                    ))}
                  </div>
                </li>
              ))}
            </ul>
          </Card>
        ))}
      </div>
      {manage && (
        <Card title="Add a probe" className="mt-4">
          <ActionForm action={createProbeAction} submitLabel="Add probe" pendingLabel="Adding…" resetOnSuccess successMessage="Probe added." aria-label="Add a probe">
            <div className="grid gap-3 sm:grid-cols-3">
              <Field name="name" label="Name" />
              <Field name="environmentId" label="Environment" options={environments.map((e) => ({ value: String(e.id), label: e.name }))} />
              <Field name="serviceId" label="Service (its health path)" options={[{ value: "", label: "— a URL instead —" }, ...services.map((s) => ({ value: String(s.id), label: s.name }))]} />
              <Field name="url" label="URL" hint="http(s)://…, when no service is chosen" />
              <Field name="expectStatus" label="Expected status" type="number" defaultValue={200} />
              <Field name="degradedMs" label="Degraded above (ms)" type="number" defaultValue={1000} />
            </div>
          </ActionForm>
        </Card>
      )}
    </>
  );
}
