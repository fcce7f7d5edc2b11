/** What a rollback would do, shown before anything happens (REQUIREMENTS K1, H4). */
export type RollbackPlan =
  | { ok: true; kind: "abort_live"; from: string; to: string | null; source: string; steps: string[]; rolloutId: number }
  | { ok: true; kind: "redeploy"; from: string | null; to: string; source: string; steps: string[] }
  | { ok: false; reason: string };

export function rollbackPlan(input: {
  service: string;
  environment: string;
  current: string | null;
  /** Version that ran before the current one (from the last completed rollout). */
  previous: string | null;
  /** LAST_GOOD_COMMIT (runbook 000): a deterministic target that wins over the records. */
  override: string | null;
  live: { id: number; toVersion: string; fromVersion: string | null; status: string } | null;
}): RollbackPlan {
  const where = `${input.service} in ${input.environment}`;
  if (input.live) {
    if (input.live.status === "rolling_back") return { ok: false, reason: `Rollout #${input.live.id} of ${where} is already rolling back.` };
    return {
      ok: true,
      kind: "abort_live",
      from: input.live.toVersion,
      to: input.live.fromVersion,
      source: `live rollout #${input.live.id}`,
      rolloutId: input.live.id,
      steps: [
        `Abort rollout #${input.live.id} (${input.live.status})`,
        `Set the weight of ${input.live.toVersion} to 0%`,
        `Remove ${input.live.toVersion}`,
        input.live.fromVersion ? `${input.live.fromVersion} serves 100% of traffic` : "No earlier version: the service stops serving",
      ],
    };
  }
  const to = input.override ?? input.previous;
  const source = input.override ? "LAST_GOOD_COMMIT" : "last known good before the current version";
  if (!to) return { ok: false, reason: `No earlier version of ${where} is recorded; set LAST_GOOD_COMMIT to name one.` };
  if (to === input.current) return { ok: false, reason: `${where} already runs ${to}.` };
  return {
    ok: true,
    kind: "redeploy",
    from: input.current,
    to,
    source,
    steps: [`Deploy ${to} beside ${input.current ?? "nothing"}`, `Smoke-check ${to}`, `Shift 100% of traffic to ${to}`, `Promote ${to}${input.current ? ` and retire ${input.current}` : ""}`],
  };
}
