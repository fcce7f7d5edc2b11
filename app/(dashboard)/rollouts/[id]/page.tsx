import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RolloutAnalysis } from "@/components/rollouts/rollout-analysis";
import { RollbackVerification } from "@/components/rollouts/rollback-verification";
import { RolloutLive } from "@/components/rollouts/rollout-live";
import { Runbook000Checklist } from "@/components/rollouts/runbook-000-checklist";
import { loadRunbook000Checklist } from "@/lib/views/runbook-000-checklist";
import { AutoRefresh } from "@/components/layout/auto-refresh";
import { getDb } from "@/db/client";
import { verificationOf } from "@/db/queries/changelog";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { loadRolloutMetrics } from "@/lib/analysis-view";
import { loadRolloutView } from "@/lib/rollout-view";
import { controlRolloutAction } from "../actions";
import { PromoteGates } from "@/components/rollouts/promote-gates";
import { loadPromoteGatesView } from "@/lib/services/promote-gates/promote-gates-view";
import { attestCorePathAction } from "./actions";

export const metadata: Metadata = { title: "Rollout" };

export default async function RolloutPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { actor } = await authorizePage("rollout.read", "/rollouts/[id]");
  const initial = /^\d+$/.test(id) ? loadRolloutView(getDb(), Number(id)) : undefined;
  if (!initial) notFound();
  const metrics = loadRolloutMetrics(getDb(), initial.id, "15m");
  const verification = verificationOf(getDb(), initial.id);
  // Runbook 000 section 6 (PM2 services only): pm2 list, main and canary health, CI gate history.
  const runbook000 = await loadRunbook000Checklist(getDb(), initial.id);
  const gates = loadPromoteGatesView(getDb(), initial.id, actor);
  return (
    <div className="space-y-8">
      <RolloutLive
        initial={initial}
        control={controlRolloutAction}
        may={{ control: can(actor.roles, "rollout.control"), abort: can(actor.roles, "rollout.abort") }}
      />
      {/* Runbook 000's promote criteria (issue 13 item 3): each gate's standing and the attestation. */}
      {gates && <PromoteGates view={gates} attestAction={attestCorePathAction} />}
      {/* K2: the verification is queued when the rollback completes; until then the page looks for it. */}
      {!verification && initial.status === "rolling_back" && <AutoRefresh everyMs={2000} />}
      {verification && <RollbackVerification verification={verification} />}
      {runbook000 && <Runbook000Checklist checklist={runbook000} />}
      {metrics && <RolloutAnalysis initial={metrics} />}
    </div>
  );
}
