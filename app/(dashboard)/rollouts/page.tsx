import type { Metadata } from "next";
import Link from "next/link";
import { randomUUID } from "node:crypto";
import { formatTime } from "@/lib/domain/format";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { listRollouts } from "@/db/queries/rollouts";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { DEFAULT_ROLLOUT_STRATEGY } from "@/lib/domain/rollout/strategy";
import { startRolloutAction } from "./actions";

export const metadata: Metadata = { title: "Rollouts" };

export default async function RolloutsPage() {
  const { actor } = await authorizePage("rollout.read", "/rollouts");
  const db = getDb();
  const rows = listRollouts(db, { limit: 50 });
  const services = listServices(db);
  const environments = listEnvironments(db);
  return (
    <>
      <PageHeader
        title="Rollouts"
        description="Every deployment of a version into an environment, step by step."
        actions={
          <Link href="/rollouts/rollback" className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm">
            Roll back…
          </Link>
        }
      />
      {can(actor.roles, "rollout.start") && services.length > 0 && (
        <Card title="Start a rollout" className="mb-6">
          <ActionForm action={startRolloutAction} submitLabel="Start rollout" toast="Rollout started." pendingLabel="Starting…" successHref="/rollouts/{id}" aria-label="Start a rollout">
            <input type="hidden" name="idempotencyKey" value={randomUUID()} />
            <div className="grid gap-3 sm:grid-cols-3">
              <Field name="serviceId" label="Service" options={services.map((s) => ({ value: String(s.id), label: s.name }))} />
              <Field name="environmentId" label="Environment" options={environments.map((e) => ({ value: String(e.id), label: e.name }))} />
              <Field name="version" label="Version" hint='e.g. 1.1.0; the sample service fails 20% on "-bad" versions and is slow on "-slow".' />
            </div>
            <Field
              name="strategy"
              label="Strategy (JSON)"
              multiline
              rows={3}
              defaultValue={JSON.stringify(DEFAULT_ROLLOUT_STRATEGY)}
              hint='Canary steps {weight, holdSeconds}; or {"kind":"canary","initialPercentage":10,"incrementPercentage":10,"incrementInterval":300000,"maxPercentage":100}; {"kind":"blue_green","holdSeconds":900}; {"kind":"rolling","batches":3,"pauseSeconds":60}.'
            />
          </ActionForm>
        </Card>
      )}
      {rows.length === 0 ? (
        <EmptyState>No rollouts yet.</EmptyState>
      ) : (
        <table className="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Rollouts">
          <thead className="bg-slate-100 text-left">
            <tr>
              <th className="p-2">#</th>
              <th className="p-2">Service</th>
              <th className="p-2">Environment</th>
              <th className="p-2">Version</th>
              <th className="p-2">Status</th>
              <th className="p-2">Weight</th>
              <th className="p-2">Started (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ rollout: r, service, environment }) => (
              <tr key={r.id} className="border-t border-slate-200">
                <td className="p-2">
                  <Link href={`/rollouts/${r.id}`} className="text-sky-700 underline">
                    #{r.id}
                  </Link>
                </td>
                <td className="p-2">{service}</td>
                <td className="p-2">{environment}</td>
                <td className="p-2 font-mono text-xs">
                  {r.fromVersion ?? "—"} → {r.toVersion}
                </td>
                <td className="p-2">{r.status.replace(/_/g, " ")}</td>
                <td className="p-2">{r.weight}%</td>
                <td className="p-2 font-mono text-xs">{formatTime(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
