import type { Metadata } from "next";
import { MigrationPicker } from "@/components/releases/migration-picker";
import { ActionForm, Checkbox, CheckboxGroup, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listServices } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { parseCatalog } from "@/lib/domain/migration-catalog";
import { SOAK_MINUTES } from "@/lib/domain/release/lifecycle";
import { createReleaseInput } from "@/lib/domain/release/inputs";
import { createReleaseAction } from "../actions";

export const metadata: Metadata = { title: "New release" };

/** The schema's limits, checked in the browser before sending (a 10 MB paste gets a field error). */
const TEXT_MAX = { changeLog: createReleaseInput.shape.changeLog.maxLength ?? undefined, rollbackPlan: createReleaseInput.shape.rollbackPlan.maxLength ?? undefined };

/** Short holds so a demo release moves while you watch; production releases use runbook 002's 30 min. */
const DEMO_STRATEGY = { kind: "canary", steps: [{ weight: 10, holdSeconds: 5 }, { weight: 50, holdSeconds: 5 }, { weight: 100, holdSeconds: 0 }] };

export default async function NewReleasePage() {
  await authorizePage("release.create", "/releases/new");
  const services = listServices(getDb());
  const catalogs = services.map((s) => ({
    serviceId: String(s.id),
    service: s.name,
    migrations: parseCatalog(s.migrations).map((m) => ({ value: m.id, label: `${m.id} (${m.kind})${m.description ? `: ${m.description}` : ""}` })),
  }));
  return (
    <>
      <PageHeader title="New release" description="A release starts in pre-flight; its checklist, staging deploy, soak, approvals and production rollout follow." />
      <Card>
        <ActionForm action={createReleaseAction} submitLabel="Create release" toast="Release created." pendingLabel="Creating…" successHref="/releases/{id}" aria-label="New release">
          <div className="grid gap-3 sm:grid-cols-3">
            <Field name="serviceId" label="Service" options={services.map((s) => ({ value: String(s.id), label: s.name }))} />
            <Field name="version" label="Version" hint='e.g. 1.1.0 ("-bad" versions of the sample service fail 20%).' />
            <Field name="commitSha" label="Commit" hint="7 to 40 hex characters." />
          </div>
          <Field name="changeLog" label="Change-log entry" multiline rows={3} maxLength={TEXT_MAX.changeLog} />
          <Field name="rollbackPlan" label="Rollback plan" multiline rows={2} maxLength={TEXT_MAX.rollbackPlan} defaultValue="Abort the canary: traffic returns to the stable version; redeploy the last known good version if promoted." />
          <MigrationPicker catalogs={catalogs} />
          <Field name="strategy" label="Strategy (JSON)" multiline rows={2} defaultValue={JSON.stringify(DEMO_STRATEGY)} />
          {services.length > 1 && (
            <CheckboxGroup name="alsoDeploy" legend="Also deploy (rolled out together; the release is healthy when all are)" options={services.map((s) => ({ value: String(s.id), label: s.name }))} />
          )}
          <div className="grid gap-3 sm:grid-cols-3">
            <Field name="timeoutMinutes" label="Timeout per deployment (minutes)" type="number" defaultValue={30} />
            <Field name="soakMinutes" label="Staging soak (minutes)" type="number" hint={`Recommended: ${SOAK_MINUTES.normal} (24 h); ${SOAK_MINUTES.hotfix} for hotfixes. Empty = recommended.`} />
            <Field
              name="monitoringMinutes"
              label="Monitoring window"
              defaultValue="60"
              options={[
                { value: "15", label: "15 min (active monitoring)" },
                { value: "60", label: "1 h (on-call on standby)" },
                { value: "1440", label: "24 h (enhanced monitoring)" },
              ]}
            />
          </div>
          <div className="flex gap-6">
            <Checkbox name="hotfix" label="Emergency hotfix (two Governance Sentinels approve)" />
            <Checkbox name="sev1" label="Fixes a SEV-1 incident (may pass a freeze)" />
          </div>
        </ActionForm>
      </Card>
    </>
  );
}
