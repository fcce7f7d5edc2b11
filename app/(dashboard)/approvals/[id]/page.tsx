import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatTime } from "@/lib/domain/format";
import { CommandList } from "@/components/releases/command-list";
import { ActionForm, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { findApproval, versionTraffic } from "@/db/queries/releases";
import { serviceEnvState } from "@/db/queries/rollouts";
import { authorizePage } from "@/lib/auth/session";
import { REAUTH_WINDOW_MS } from "@/lib/domain/approvals/rules";
import { can } from "@/lib/domain/permissions";
import { PHASE_LABELS, type ReleasePhase } from "@/lib/domain/release/lifecycle";
import { ROLE_LABELS, type Role } from "@/lib/domain/roles";
import { loadReleaseView } from "@/lib/release-view";
import { decisionFor } from "@/lib/views/approvals-inbox";
import { releaseEnvironments } from "@/lib/services/releases/drive-release";
import { releaseCommandPreview } from "@/lib/services/releases/release-commands";
import { decideApprovalAction } from "../actions";

export const metadata: Metadata = { title: "Approval" };

/** The approval screen (D1): what exactly is approved — versions, change log, gates, migrations, staging metrics, risk, and the exact commands it lets run. */
export default async function ApprovalPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { actor } = await authorizePage("approval.read", "/approvals/[id]");
  const db = getDb();
  const approval = /^\d+$/.test(id) ? findApproval(db, Number(id)) : undefined;
  if (!approval) notFound();
  const v = loadReleaseView(db, approval.releaseId, actor)!;
  const r = v.release;
  const envs = releaseEnvironments(db);
  const running = serviceEnvState(db, r.serviceId, envs.production.id)?.currentVersion ?? "nothing yet";
  const staging = versionTraffic(db, r.serviceId, envs.staging.id, r.version);
  const needsPassword = v.now - (actor.signedInAt ?? 0) > REAUTH_WINDOW_MS;
  // The rules the decision applies, told before any click (a stale sign-in only asks for the password).
  const verdict = decisionFor(db, actor, approval, v.now);
  const role = approval.role as Role;
  const contract = v.migrations.filter((m) => m.kind === "contract");
  // A smoke sign-off is given in staging; production, hotfix and migration approvals let production run.
  const commandEnvironment = approval.kind === "smoke" ? envs.staging.name : envs.production.name;
  const commands = releaseCommandPreview(db, r, commandEnvironment);
  return (
    <>
      <PageHeader
        title={`Approve ${v.service} ${r.version}?`}
        description={`${ROLE_LABELS[role]} · ${approval.kind} approval · requested ${formatTime(approval.requestedAt)} · release #${r.id} is in ${PHASE_LABELS[r.status as ReleasePhase]}`}
        actions={
          <Link href={`/releases/${r.id}`} className="text-sm underline">
            Open the release
          </Link>
        }
      />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="What changes">
          <dl className="grid grid-cols-[9rem_1fr] gap-y-1 text-sm">
            <dt className="font-medium">Production runs</dt>
            <dd className="font-mono" data-testid="from-version">{running}</dd>
            <dt className="font-medium">Becomes</dt>
            <dd className="font-mono" data-testid="to-version">{r.version} (commit {r.commitSha.slice(0, 12)})</dd>
            <dt className="font-medium">Change log</dt>
            <dd className="whitespace-pre-wrap">{r.changeLog}</dd>
            <dt className="font-medium">Rollback plan</dt>
            <dd className="whitespace-pre-wrap">{r.rollbackPlan}</dd>
            <dt className="font-medium">Strategy</dt>
            <dd className="font-mono text-xs">{r.strategy}</dd>
            <dt className="font-medium">Risk</dt>
            <dd>
              {[r.hotfix ? `hotfix${r.sev1 ? " for a SEV-1" : ""}` : null, contract.length ? `${contract.length} contract migration(s)` : null].filter(Boolean).join(", ") || "normal release"}
            </dd>
          </dl>
        </Card>
        <Card title="Evidence">
          <p className="text-sm font-medium">Pre-flight gates</p>
          <ul className="mb-3 text-sm" aria-label="Gate results">
            {v.preflight.map((i) => (
              <li key={i.id}>
                {i.status === "passed" ? "✓" : "✗"} {i.label} <span className="text-xs text-slate-500">({i.status})</span>
              </li>
            ))}
          </ul>
          <p className="text-sm font-medium">Migrations</p>
          <p className="mb-3 text-sm">{v.migrations.length ? v.migrations.map((m) => `${m.id} (${m.kind})`).join(", ") : "none"}</p>
          <p className="text-sm font-medium">Staging metrics of {r.version}</p>
          <p className="text-sm" data-testid="staging-metrics">
            {staging.requests > 0
              ? `${staging.requests} requests over ${staging.seconds} s, 5xx ${((staging.errors / staging.requests) * 100).toFixed(2)}%, p95 ${Math.round(staging.p95 ?? 0)} ms`
              : "no staging traffic recorded"}
          </p>
        </Card>
      </div>
      <Card title="Commands this approval lets run" className="mt-4">
        <CommandList preview={commands} environment={commandEnvironment} />
      </Card>
      <Card title="Decision" className="mt-4">
        {approval.status !== "pending" ? (
          <p className="text-sm">This approval is {approval.status}.</p>
        ) : !can(actor.roles, "approval.decide") ? (
          <p className="text-sm">Only sentinels, service owners and feature owners decide approvals.</p>
        ) : !verdict.ok ? (
          <p className="text-sm" data-testid="cannot-decide">
            You cannot decide this request: {verdict.reason}
          </p>
        ) : (
          <div className="flex flex-wrap gap-6">
            {(["approve", "reject"] as const).map((decision) => (
              <ActionForm key={decision} action={decideApprovalAction} submitLabel={decision === "approve" ? "Approve" : "Reject"} toast={decision === "approve" ? "Approved: your approval is recorded." : "Rejected: your reason is recorded."} pendingLabel="Saving…" variant={decision === "reject" ? "danger" : "primary"} aria-label={decision === "approve" ? "Approve" : "Reject"} className="min-w-72 flex-1 space-y-2">
                <input type="hidden" name="approvalId" value={approval.id} />
                <input type="hidden" name="decision" value={decision} />
                <Field name="comment" label={decision === "approve" ? "Comment (optional)" : "Reason for rejecting"} />
                {needsPassword && <Field name="password" label="Your password (you signed in more than 15 minutes ago)" type="password" autoComplete="current-password" />}
              </ActionForm>
            ))}
          </div>
        )}
      </Card>
    </>
  );
}
