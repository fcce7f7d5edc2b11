import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RolloutAnalysis } from "@/components/rollouts/rollout-analysis";
import { RolloutLive } from "@/components/rollouts/rollout-live";
import { getDb } from "@/db/client";
import { authorizePage } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { loadRolloutMetrics } from "@/lib/analysis-view";
import { loadRolloutView } from "@/lib/rollout-view";
import { controlRolloutAction } from "../actions";

export const metadata: Metadata = { title: "Rollout" };

export default async function RolloutPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { actor } = await authorizePage("rollout.read", "/rollouts/[id]");
  const initial = /^\d+$/.test(id) ? loadRolloutView(getDb(), Number(id)) : undefined;
  if (!initial) notFound();
  const metrics = loadRolloutMetrics(getDb(), initial.id, "15m");
  return (
    <div className="space-y-8">
      <RolloutLive
        initial={initial}
        control={controlRolloutAction}
        may={{ control: can(actor.roles, "rollout.control"), abort: can(actor.roles, "rollout.abort") }}
      />
      {metrics && <RolloutAnalysis initial={metrics} />}
    </div>
  );
}
