import "server-only";
import { getDb } from "@/db/client";
import { listDecisions, resourceRows, rolloutAuditTrail, sampleRows } from "@/db/queries/analysis";
import { findService } from "@/db/queries/catalog";
import { recentRolloutsWithBaseline } from "@/db/queries/rollouts";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { REPLAY_MAX_EVALUATIONS, REPLAY_MAX_SPAN_MS, type ReplayAnalysisResult, type ReplayRow, replayAnalysisInput, replayRollout, timelineOf } from "@/lib/domain/analysis/replay";
import { InvalidError, NotFoundError } from "@/lib/errors";

/** Evaluations across all rollouts of one replay (~0.5 ms each here): older rollouts beyond it are not replayed, and say so. */
export const REPLAY_TOTAL_EVALUATIONS = 20_000;

const LIVE = ["pending", "running", "paused", "failed", "rolling_back"];

/**
 * Replays a DRAFT analysis config (the form's JSON, not saved) over the stored samples of a
 * service's last rollouts with a baseline (REQUIREMENTS I7). Read-only: nothing is written or
 * audited; it needs the permission that edits the config. Yields between rollouts so a long
 * replay does not hold up the server's other requests.
 */
export async function replayAnalysis(actor: Actor, raw: unknown, now = Date.now()): Promise<ReplayAnalysisResult> {
  assertCan(actor, "service.manage");
  const parsed = replayAnalysisInput.safeParse(raw);
  if (!parsed.success) throw InvalidError.fromIssues(parsed.error.issues);
  const { serviceId, config: cfg, limit } = parsed.data;
  const db = getDb();
  const service = findService(db, serviceId);
  if (!service) throw new NotFoundError("Service");
  const note = `Replays at most the first ${REPLAY_MAX_SPAN_MS / 3_600_000} h (${REPLAY_MAX_EVALUATIONS.toLocaleString("en-US")} evaluations) of each rollout and ${REPLAY_TOTAL_EVALUATIONS.toLocaleString("en-US")} evaluations in all; timings are within an evaluation interval of the worker's.`;
  const rollouts = recentRolloutsWithBaseline(db, serviceId, limit);
  if (rollouts.length === 0) return { service: service.name, rows: [], message: `No past rollouts of ${service.name} with a baseline to replay.`, note };

  let budget = REPLAY_TOTAL_EVALUATIONS;
  const rows: ReplayRow[] = [];
  for (const { rollout: r, environment } of rollouts) {
    const decisions = listDecisions(db, r.id);
    const firstDecision = decisions.at(-1) ?? null;
    const row: ReplayRow = {
      rollout: { id: r.id, fromVersion: r.fromVersion!, toVersion: r.toVersion, environment, createdAt: r.createdAt, status: r.status },
      real: {
        status: r.status,
        reason: r.reason,
        decision: firstDecision ? { kind: firstDecision.kind, sentence: firstDecision.sentence, afterSeconds: Math.round((firstDecision.at - r.createdAt) / 100) / 10 } : null,
      },
      draft: null,
    };
    rows.push(row);
    if (budget <= 0) continue;
    const endedAt = LIVE.includes(r.status) ? now : (r.finishedAt ?? r.updatedAt);
    // The window looks back before the start; nothing past the replay's span is read.
    const range = { serviceId, environmentId: r.environmentId, fromSecond: Math.floor(r.createdAt / 1000) - Math.ceil(cfg.windowSeconds) - 1, toSecond: Math.ceil(Math.min(endedAt, r.createdAt + REPLAY_MAX_SPAN_MS) / 1000) };
    const trail = rolloutAuditTrail(db, r.id).map((e) => ({ at: e.at, details: JSON.parse(e.details) as unknown }));
    row.draft = replayRollout(
      cfg,
      { startedAt: r.createdAt, endedAt, status: r.status, canaryVersion: r.toVersion, baselineVersion: r.fromVersion, timeline: timelineOf(trail) },
      sampleRows(db, range),
      resourceRows(db, range),
      { maxEvaluations: Math.min(REPLAY_MAX_EVALUATIONS, budget) },
    );
    budget -= row.draft.evaluations;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { service: service.name, rows, message: null, note };
}
