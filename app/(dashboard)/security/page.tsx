import type { Metadata } from "next";
import { formatTime } from "@/lib/domain/format";
import { Countdown } from "@/components/security/countdown";
import { MonthCalendar } from "@/components/security/month-calendar";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { ACTION_LABELS, OVERRIDABLE_ACTIONS, SECURITY_MODES, THREAT_LEVELS } from "@/lib/domain/policy/gate";
import { RECOMMENDED_TTL_MINUTES } from "@/lib/domain/policy/overrides";
import { loadSecurityView } from "@/lib/security-view";
import { createOverrideAction, createWindowAction, deleteWindowAction, revokeOverrideAction, setGateAction } from "./actions";

export const metadata: Metadata = { title: "Security gate" };

export default async function SecurityPage() {
  const { actor } = await authorizePage("security.read", "/security");
  const { now, months, gate, active: live, history, windows, environments } = loadSecurityView(getDb());
  const active = live.filter((o) => o.override.expiresAt > now);
  return (
    <>
      <PageHeader title="Security gate" description="Mode, threat level, time-limited overrides and the deploy calendar (runbooks 001 and 003)." />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Gate">
          <dl className="grid grid-cols-[9rem_1fr] gap-y-1 text-sm" aria-label="Gate status">
            <dt className="font-medium">Mode</dt>
            <dd data-testid="gate-mode">{gate.mode}</dd>
            <dt className="font-medium">Threat level</dt>
            <dd data-testid="gate-threat">{gate.threatLevel}</dd>
            <dt className="font-medium">Lockdown reason</dt>
            <dd>{gate.lockdownReason ?? "—"}</dd>
            <dt className="font-medium">Active overrides</dt>
            <dd>{active.length}</dd>
            <dt className="font-medium">Changed</dt>
            <dd>{gate.updatedAt ? formatTime(gate.updatedAt) : "never"}</dd>
          </dl>
          {can(actor.roles, "security.manage") && (
            <ActionForm action={setGateAction} submitLabel="Update gate" pendingLabel="Updating…" successMessage="Gate updated." aria-label="Set security gate" className="mt-4 space-y-2">
              <input type="hidden" name="rowVersion" value={gate.rowVersion} />
              <div className="grid gap-2 sm:grid-cols-2">
                <Field name="mode" label="Mode" defaultValue={gate.mode} options={SECURITY_MODES.map((m) => ({ value: m, label: m }))} />
                <Field name="threatLevel" label="Threat level" defaultValue={gate.threatLevel} options={THREAT_LEVELS.map((t) => ({ value: t, label: t }))} />
              </div>
              <Field name="reason" label="Reason (required to enter lockdown)" />
            </ActionForm>
          )}
        </Card>

        <Card title="Overrides">
          {active.length === 0 ? (
            <p className="text-sm text-slate-600">No active overrides.</p>
          ) : (
            <ul className="space-y-2 text-sm" aria-label="Active overrides">
              {active.map((o) => (
                  <li key={o.override.id} className="rounded border border-slate-200 p-2" data-action={o.override.action} data-environment={o.environment}>
                    <div className="flex items-center justify-between gap-2">
                      <span>
                        <span className="font-mono">{o.override.action}</span> in {o.environment} · <Countdown until={o.override.expiresAt} />
                      </span>
                      {can(actor.roles, "override.revoke") && (
                        <ActionForm action={revokeOverrideAction} submitLabel="Revoke" toast="Override revoked." pendingLabel="Revoking…" variant="secondary" aria-label={`Revoke override ${o.override.id}`}>
                          <input type="hidden" name="overrideId" value={o.override.id} />
                        </ActionForm>
                      )}
                    </div>
                    <div className="text-xs text-slate-500">
                      {o.createdByEmail}: {o.override.reason}
                    </div>
                  </li>
                ))}
            </ul>
          )}
          {can(actor.roles, "override.create") && (
            <ActionForm action={createOverrideAction} submitLabel="Create override" pendingLabel="Creating…" successMessage="Override created." resetOnSuccess aria-label="Create override" className="mt-4 space-y-2">
              <div className="grid gap-2 sm:grid-cols-3">
                <Field name="action" label="Action" options={OVERRIDABLE_ACTIONS.map((a) => ({ value: a, label: `${a} (${ACTION_LABELS[a]})` }))} />
                <Field name="environment" label="Environment" defaultValue="production" options={environments.map((e) => ({ value: e.name, label: e.name }))} />
                <Field
                  name="ttlMinutes"
                  label="TTL (minutes)"
                  type="number"
                  defaultValue={RECOMMENDED_TTL_MINUTES.planned}
                  hint={`Planned ${RECOMMENDED_TTL_MINUTES.planned}, emergency rollback ${RECOMMENDED_TTL_MINUTES.emergencyRollback}, critical hotfix ${RECOMMENDED_TTL_MINUTES.criticalHotfix}, maintenance ${RECOMMENDED_TTL_MINUTES.maintenance}; at most 1440.`}
                />
              </div>
              <Field name="reason" label="Reason (with a ticket reference)" />
            </ActionForm>
          )}
          {history.length > 0 && (
            <details className="mt-3 text-xs">
              <summary>Recent overrides</summary>
              <ul>
                {history.map((o) => (
                  <li key={o.override.id}>
                    #{o.override.id} {o.override.action} in {o.environment} by {o.createdByEmail}, {o.override.ttlMinutes} min from {formatTime(o.override.createdAt)}
                    {o.override.revokedAt ? `, revoked ${formatTime(o.override.revokedAt)}` : o.override.expiresAt <= now ? ", expired" : ""}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </Card>

        <Card title="Deploy calendar" className="lg:col-span-2">
          <div className="mb-4 flex flex-wrap gap-6">
            {months.map((m) => (
              <MonthCalendar key={`${m.year}-${m.month0}`} year={m.year} month0={m.month0} windows={windows} />
            ))}
            <p className="text-xs text-slate-600">
              <span className="mr-1 inline-block h-3 w-3 rounded bg-indigo-600 align-middle" /> freeze (production deploys blocked) <span className="ml-3 mr-1 inline-block h-3 w-3 rounded bg-amber-200 align-middle" /> maintenance window
            </p>
          </div>
          <table className="w-full text-sm" aria-label="Calendar windows">
            <thead className="text-left">
              <tr>
                <th>Kind</th>
                <th>Name</th>
                <th>Repeats</th>
                <th>Now / next</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {windows.map(({ current, next, ...w }) => {
                return (
                  <tr key={w.id} className="border-t border-slate-200" data-kind={w.kind} data-active={current ? "yes" : "no"}>
                    <td className="py-1">{w.kind}</td>
                    <td>{w.name}</td>
                    <td>{w.recurrence.replace(/_/g, " ")}</td>
                    <td className="font-mono text-xs">
                      {current ? (
                        <>
                          <strong className="font-sans font-semibold text-red-700">In effect</strong> until {formatTime(current.end)}
                        </>
                      ) : next ? (
                        `Next: ${formatTime(next.start)} → ${formatTime(next.end)}`
                      ) : (
                        "Past"
                      )}
                    </td>
                    <td>
                      {can(actor.roles, "window.manage") && (
                        <ActionForm action={deleteWindowAction} submitLabel="Delete" toast={`Window ${w.name} deleted.`} pendingLabel="Deleting…" variant="secondary" aria-label={`Delete window ${w.name}`} confirm={`Delete "${w.name}"?`}>
                          <input type="hidden" name="windowId" value={w.id} />
                        </ActionForm>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {can(actor.roles, "window.manage") && (
            <ActionForm action={createWindowAction} submitLabel="Add window" pendingLabel="Adding…" successMessage="Window added." resetOnSuccess aria-label="Add window" className="mt-4 space-y-2">
              <div className="grid gap-2 sm:grid-cols-5">
                <Field name="kind" label="Kind" options={[{ value: "freeze", label: "Freeze" }, { value: "maintenance", label: "Maintenance" }]} />
                <Field name="name" label="Name" />
                <Field name="recurrence" label="Repeats" options={[{ value: "none", label: "once" }, { value: "yearly", label: "every year" }, { value: "monthly_first_tuesday", label: "first Tuesday monthly" }]} />
                <Field name="startsAt" label="Starts (UTC)" type="datetime-local" />
                <Field name="endsAt" label="Ends (UTC)" type="datetime-local" />
              </div>
            </ActionForm>
          )}
        </Card>
      </div>
    </>
  );
}
