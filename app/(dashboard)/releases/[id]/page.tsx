import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { randomUUID } from "node:crypto";
import { AuditTable } from "@/components/audit/audit-table";
import { formatTime } from "@/lib/domain/format";
import { AutoRefresh } from "@/components/layout/auto-refresh";
import { EditReleaseForm } from "@/components/releases/edit-release-form";
import { PhaseStepper } from "@/components/releases/phase-stepper";
import { ReleaseChangelog } from "@/components/releases/release-changelog";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { changelogOfRelease } from "@/db/queries/changelog";
import { authorizePage } from "@/lib/auth/session";
import { formatDuration } from "@/lib/domain/format";
import { can } from "@/lib/domain/permissions";
import { editableFields } from "@/lib/domain/release/edit";
import { createReleaseInput } from "@/lib/domain/release/inputs";
import { LIVE_PHASES, PHASE_LABELS, type ReleasePhase } from "@/lib/domain/release/lifecycle";
import { ROLE_LABELS, type Role, aRole } from "@/lib/domain/roles";
import type { Decision } from "@/lib/domain/policy/decide";
import { loadReleaseView } from "@/lib/release-view";
import { attestPreflightAction, driveReleaseAction, runPreflightAction, startValidationAction, updateReleaseAction } from "../actions";

export const metadata: Metadata = { title: "Release" };

const TEXT_MAX = { changeLog: createReleaseInput.shape.changeLog.maxLength ?? undefined, rollbackPlan: createReleaseInput.shape.rollbackPlan.maxLength ?? undefined };

function GateNote({ d, label }: { d: Decision; label: string }) {
  if (d.allowed && d.wouldBlock.length === 0) return <p className="text-xs text-emerald-800">Security gate ({d.mode}) allows the {label} now.</p>;
  const list = (reasons: readonly string[]) =>
    reasons.length === 1 ? (
      reasons[0]
    ) : (
      <ul className="list-disc pl-5">
        {reasons.map((r, i) => (
          <li key={i}>{r}</li>
        ))}
      </ul>
    );
  if (d.allowed) return <div className="text-xs text-amber-800">Monitor mode lets the {label} through; enforce would block it: {list(d.wouldBlock)}</div>;
  return (
    <div className="text-xs text-red-800" data-testid="gate-preview">
      The {label} would be blocked now: {list(d.reasons)}
    </div>
  );
}

/** What the page says after each release command (issue 14: a confirmation after every action). */
const DRIVE_CONFIRMATIONS = {
  deploy_staging: "Staging deployment started.",
  request_approval: "Production approval requested: the approvers see it in their inbox.",
  start_production: "Production rollout started.",
  complete: "Release completed.",
  abort: "Release aborted: traffic goes back to the stable version.",
} as const;

export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { actor } = await authorizePage("release.read", "/releases/[id]");
  const v = /^\d+$/.test(id) ? loadReleaseView(getDb(), Number(id), actor) : undefined;
  if (!v) notFound();
  const r = v.release;
  const phase = r.status as ReleasePhase;
  const drive = can(actor.roles, "release.advance");
  const live = LIVE_PHASES.includes(phase);
  const soakLeft = phase === "staging_soak" ? r.phaseEnteredAt + r.soakMinutes * 60_000 - v.now : 0;
  // Issue 14 item 2: the fields a captain (or developer) may change in this phase.
  const editable = can(actor.roles, "release.create") ? editableFields(phase) : [];
  const monitorLeft = phase === "monitoring" ? r.phaseEnteredAt + r.monitoringMinutes * 60_000 - v.now : 0;
  const command = (name: keyof typeof DRIVE_CONFIRMATIONS, label: string, extra?: React.ReactNode, variant?: "danger" | "secondary") => (
    <ActionForm action={driveReleaseAction} submitLabel={label} toast={DRIVE_CONFIRMATIONS[name]} pendingLabel="Working…" aria-label={label} variant={variant}>
      <input type="hidden" name="releaseId" value={r.id} />
      <input type="hidden" name="command" value={name} />
      <input type="hidden" name="idempotencyKey" value={randomUUID()} />
      {extra}
    </ActionForm>
  );
  return (
    <>
      <AutoRefresh everyMs={live ? 2000 : 0} />
      <PageHeader
        title={`${v.service} ${r.version}`}
        description={`Release #${r.id} · commit ${r.commitSha.slice(0, 12)} · created by ${v.createdBy} ${formatTime(r.createdAt)}${r.hotfix ? " · HOTFIX" : ""}${r.sev1 ? " (SEV-1)" : ""}`}
        actions={<span className="rounded bg-slate-900 px-2 py-1 text-sm text-white" data-testid="release-phase">{PHASE_LABELS[phase]}</span>}
      />
      <PhaseStepper phase={phase} />
      {r.postmortemDueAt && (
        <p role="note" className="mb-4 rounded border border-red-200 bg-red-50 p-2 text-sm text-red-900">
          Hotfix obligations: postmortem due {formatTime(r.postmortemDueAt)}. {r.mergeBackReminder}
        </p>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Next step">
          {!drive && <p className="text-sm text-slate-600">Only release captains (and developers, in staging) drive releases.</p>}
          {drive && phase === "preflight" && (
            <div className="space-y-2">
              <p className="text-sm">Finish the checklist, then deploy to staging.</p>
              <GateNote d={v.gateForStaging} label="staging deploy" />
              {command("deploy_staging", "Deploy to staging")}
            </div>
          )}
          {drive && phase === "staging_deploy" && (
            <div className="space-y-2">
              <p className="text-sm">The staging rollout is running; the release moves to the soak when it succeeds.</p>
              {v.rollouts.length > 0 && v.rollouts.every((x) => x.status === "rolled_back") && command("deploy_staging", "Deploy to staging again")}
              {v.migrationRuns.some((m) => m.status === "failed") && !v.migrationRuns.some((m) => m.status === "running") && command("deploy_staging", "Retry migrations and deploy")}
            </div>
          )}
          {drive && phase === "staging_soak" && (
            <div className="space-y-2">
              <p className="text-sm" data-testid="soak-left">
                Staging soak: {soakLeft > 0 ? `${formatDuration(soakLeft)} left of ${formatDuration(r.soakMinutes * 60_000)}` : "complete"}.
              </p>
              {command("request_approval", "Request production approval", soakLeft > 0 ? <Field name="reason" label="Reason to end the soak early" /> : undefined)}
            </div>
          )}
          {drive && phase === "production_approval" && (
            <div className="space-y-2">
              <p className="text-sm">{v.approval.satisfied ? "Approvals complete." : `Waiting for: ${v.approval.missing.join(", ")}.`}</p>
              <GateNote d={v.gateForProduction} label="production rollout" />
              {command("start_production", "Start production rollout")}
              {command("request_approval", "Request approval again", undefined, "secondary")}
            </div>
          )}
          {drive && phase === "production_rollout" && <p className="text-sm">The production rollout is running; the monitoring window starts when it succeeds.</p>}
          {drive && phase === "monitoring" && (
            <div className="space-y-2">
              <p className="text-sm">Monitoring window: {monitorLeft > 0 ? `${formatDuration(monitorLeft)} left` : "over"}.</p>
              {command("complete", "Complete release")}
            </div>
          )}
          {drive && live && <div className="mt-4 border-t border-slate-200 pt-3">{command("abort", "Abort release", <Field name="reason" label="Reason" />, "danger")}</div>}
        </Card>

        <Card title="Release">
          <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
            <dt className="font-medium">Change log</dt>
            <dd className="whitespace-pre-wrap">{r.changeLog}</dd>
            <dt className="font-medium">Rollback plan</dt>
            <dd className="whitespace-pre-wrap">{r.rollbackPlan}</dd>
            <dt className="font-medium">Strategy</dt>
            <dd className="font-mono text-xs">{r.strategy}</dd>
            <dt className="font-medium">Migrations</dt>
            <dd>{v.migrations.length === 0 ? "none" : v.migrations.map((m) => `${m.id} (${m.kind})`).join(", ")}</dd>
            <dt className="font-medium">Soak / monitoring</dt>
            <dd>
              {formatDuration(r.soakMinutes * 60_000)} / {formatDuration(r.monitoringMinutes * 60_000)}
            </dd>
          </dl>
          {editable.length > 0 && (
            <details className="mt-3 border-t border-slate-200 pt-3" data-testid="edit-release">
              <summary className="cursor-pointer text-sm font-medium">Edit release</summary>
              <div className="mt-2">
                <EditReleaseForm
                  action={updateReleaseAction}
                  editable={editable}
                  phaseLabel={PHASE_LABELS[phase]}
                  textMax={TEXT_MAX}
                  values={{
                    releaseId: r.id,
                    rowVersion: r.rowVersion,
                    version: r.version,
                    commitSha: r.commitSha,
                    changeLog: r.changeLog,
                    rollbackPlan: r.rollbackPlan,
                    strategy: r.strategy,
                    migrations: JSON.stringify(v.migrations.map((m) => ({ id: m.id, kind: m.kind }))),
                    hotfix: r.hotfix,
                    sev1: r.sev1,
                    soakMinutes: r.soakMinutes,
                    monitoringMinutes: r.monitoringMinutes,
                  }}
                />
              </div>
            </details>
          )}
        </Card>

        <Card title="Pre-flight checklist">
          {drive && (phase === "preflight" || phase === "staging_deploy") && (
            <ActionForm action={runPreflightAction} submitLabel="Run automated checks" toast="Automated checks queued: results appear below." pendingLabel="Queuing…" variant="secondary">
              <input type="hidden" name="releaseId" value={r.id} />
            </ActionForm>
          )}
          <ul className="mt-3 space-y-2" aria-label="Checklist">
            {v.preflight.map((i) => (
              <li key={i.id} className="rounded border border-slate-200 p-2 text-sm" data-key={i.key} data-status={i.status}>
                <div className="flex items-center justify-between gap-2">
                  <span>{i.label}</span>
                  <span className={`rounded px-1.5 text-xs ${i.status === "passed" ? "bg-emerald-100 text-emerald-900" : i.status === "failed" ? "bg-red-100 text-red-900" : "bg-slate-100"}`}>{i.status}</span>
                </div>
                <div className="text-xs text-slate-500">
                  {i.check === "attestation" ? `signed by ${aRole(i.role as Role)}` : i.check === "http" ? "HTTP probe" : "checked against the release"}
                  {i.decidedAt ? ` · ${i.decidedByEmail ?? "worker"} ${formatTime(i.decidedAt)}` : ""}
                  {i.evidence ? ` · ${i.evidence}` : ""}
                </div>
                {i.check === "attestation" && i.status !== "passed" && actor.roles.includes(i.role as Role) && (phase === "preflight" || phase === "staging_deploy") && (
                  <ActionForm action={attestPreflightAction} submitLabel="Sign" toast={`Signed: ${i.label}.`} pendingLabel="Signing…" className="mt-2 flex flex-wrap items-end gap-2" aria-label={`Sign ${i.label}`} variant="secondary">
                    <input type="hidden" name="itemId" value={i.id} />
                    <Field name="evidence" label="Evidence" className="min-w-64 flex-1" />
                    {i.key === "backup_verified" && <Field name="backupAt" label="Backup taken at (UTC)" type="datetime-local" />}
                  </ActionForm>
                )}
              </li>
            ))}
          </ul>
        </Card>

        <Card title="Validations">
          <p className="mb-2 text-xs text-slate-600">Runbook 003: a deployment waits until the release validation for its environment passed (within the last hour, for the release as it is now).</p>
          <div className="space-y-3">
            {v.validations.map(({ environment, validation, gates, standing }) => (
              <div key={environment.id} className="rounded border border-slate-200 p-2 text-sm" data-environment={environment.name} data-status={validation?.status ?? "none"}>
                <div className="flex items-center justify-between gap-2">
                  <span>
                    <span className="font-medium">{environment.name}</span>: {validation ? `${validation.status} (${formatTime(validation.startedAt)})` : "not validated"}
                    {!standing.ok && validation && <span className="ml-1 text-xs text-slate-500">{standing.reason}</span>}
                  </span>
                  {drive && live && (
                    <ActionForm action={startValidationAction} submitLabel={`Validate for ${environment.name}`} toast={`Validation for ${environment.name} started.`} pendingLabel="Starting…" variant="secondary" aria-label={`Validate for ${environment.name}`}>
                      <input type="hidden" name="releaseId" value={r.id} />
                      <input type="hidden" name="environmentId" value={environment.id} />
                    </ActionForm>
                  )}
                </div>
                <ul className="mt-1 text-xs">
                  {gates.map((g) => (
                    <li key={g.id} data-gate={g.key} data-status={g.status}>
                      {g.status === "passed" ? "✓" : g.status === "failed" ? "✗" : "…"} {g.label}: <span className="text-slate-600">{g.status}{g.detail ? ` · ${g.detail}` : ""}</span>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        </Card>

        <Card title="Approvals">
          {v.approvals.length === 0 ? (
            <p className="text-sm text-slate-600">No approvals requested yet.</p>
          ) : (
            <table className="w-full text-sm" aria-label="Release approvals">
              <thead className="text-left">
                <tr>
                  <th>As</th>
                  <th>Kind</th>
                  <th>Status</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {v.approvals.map((a) => (
                  <tr key={a.id} className="border-t border-slate-200" data-status={a.status}>
                    <td className="py-1">{ROLE_LABELS[a.role as Role] ?? a.role}</td>
                    <td>{a.kind}</td>
                    <td>
                      <Link href={`/approvals/${a.id}`} className="underline">
                        {a.status}
                      </Link>
                    </td>
                    <td className="text-xs">
                      {a.approver ?? "—"}
                      {a.comment ? `: ${a.comment}` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {phase === "production_approval" && !v.approval.satisfied && <p className="mt-2 text-xs text-slate-600">Still needed: {v.approval.missing.join("; ")}</p>}
        </Card>

        <Card title="Migrations">
          {v.migrations.length === 0 ? (
            <p className="text-sm text-slate-600">This release has no database migrations.</p>
          ) : (
            <table className="w-full text-sm" aria-label="Migration runs">
              <thead className="text-left">
                <tr>
                  <th>Migration</th>
                  <th>Kind</th>
                  <th>Runs</th>
                </tr>
              </thead>
              <tbody>
                {v.migrations.map((m) => (
                  <tr key={m.id} className="border-t border-slate-200 align-top" data-migration={m.id}>
                    <td className="py-1 font-mono text-xs">{m.id}</td>
                    <td>{m.kind === "expand" ? "expand (before the rollout)" : "contract (after all deployments are healthy)"}</td>
                    <td className="text-xs">
                      {v.migrationRuns
                        .filter((run) => run.migrationId === m.id)
                        .map((run) => (
                          <div key={run.id} data-status={run.status}>
                            {run.status} {formatTime(run.startedAt)} · {v.rollouts.find((x) => x.environmentId === run.environmentId)?.environment ?? `env #${run.environmentId}`}
                            {run.status === "failed" ? (
                              <pre className="whitespace-pre-wrap text-red-800">{run.output.slice(-500)}</pre>
                            ) : run.output ? (
                              <details>
                                <summary className="cursor-pointer">output</summary>
                                <pre className="whitespace-pre-wrap" data-testid="migration-output">{run.output.slice(-500)}</pre>
                              </details>
                            ) : null}
                          </div>
                        ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>

        <Card title="Rollouts">
          <p className="mb-2 text-xs text-slate-600">Deploys {v.deployments.map((d) => `${d.service} (timeout ${d.timeoutMinutes} min)`).join(", ")}.</p>
          {v.rollouts.length === 0 ? (
            <p className="text-sm text-slate-600">None yet.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {v.rollouts.map((x) => (
                <li key={x.id}>
                  <Link className="underline" href={`/rollouts/${x.id}`}>
                    Rollout #{x.id}
                  </Link>{" "}
                  {x.service} in {x.environment}: {x.status.replace(/_/g, " ")}, {x.weight}%
                </li>
              ))}
            </ul>
          )}
        </Card>

        <ReleaseChangelog entries={changelogOfRelease(getDb(), r.id)} />
      </div>

      <h2 className="mb-2 mt-6 text-base font-semibold">Timeline</h2>
      <p className="mb-2 text-xs">
        <Link className="underline" href={`/audit?subjectType=release&subjectId=${r.id}`}>
          Open in the audit timeline (filter and export)
        </Link>
      </p>
      <AuditTable events={v.timeline} />
    </>
  );
}
