import { type ApiClient, CliError } from "./client";
import { EXIT, type ExitCode, exitForStatus } from "./exit-codes";
import { type LiveView, type Rollout, formatOutcome, progressOf } from "./format";
import type { Reporter } from "./reporter";

export interface FollowOptions {
  /** Seconds before giving up with exit 5; undefined or 0: wait as long as it takes. */
  timeoutSeconds?: number;
  intervalMs?: number;
  /** A rollback that aborts a live rollout succeeds when that rollout ends rolled back. */
  rolledBackIsSuccess?: boolean;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** How long the API may stay unreachable while following before the outcome is called unknown. */
const UNREACHABLE_GRACE_MS = 30_000;

/**
 * GET /api/v1/rollouts/{id}/live when the server has it (hold left, held by, verdict); null otherwise.
 * `state.after` is the last log line seen, so each poll brings only new lines.
 */
export async function liveOf(client: ApiClient, id: number, state: { live: boolean; after: number }): Promise<LiveView | null> {
  if (!state.live) return null;
  try {
    const live = (await client.get<LiveView>(`/api/v1/rollouts/${id}/live?after=${state.after}`)).body;
    for (const line of live.log ?? []) state.after = Math.max(state.after, line.id);
    return live;
  } catch (err) {
    if (err instanceof CliError && err.problem?.status === 404) state.live = false;
    else throw err;
    return null;
  }
}

/**
 * Follows a rollout until it ends (--wait, `fd watch`): progress on every poll, then the outcome
 * line and its exit code: 0 succeeded, 1 failed or rolled back (with the decision sentence),
 * 6 paused and waiting for a person, 5 when --timeout passes first.
 */
export async function followRollout(client: ApiClient, id: number, reporter: Reporter, opts: FollowOptions = {}): Promise<ExitCode> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const interval = opts.intervalMs ?? 1000;
  const deadline = opts.timeoutSeconds ? now() + opts.timeoutSeconds * 1000 : Infinity;
  const state = { live: true, after: 0 };
  let unreachableSince: number | null = null;
  for (;;) {
    let rollout: Rollout;
    let live: LiveView | null;
    try {
      rollout = (await client.get<Rollout>(`/api/v1/rollouts/${id}`)).body;
      live = await liveOf(client, id, state);
      unreachableSince = null;
    } catch (err) {
      // A restarting server is not the end of a rollout: keep asking for a while.
      if (!(err instanceof CliError) || err.exitCode !== EXIT.unreachable) throw err;
      unreachableSince ??= now();
      if (now() - unreachableSince > UNREACHABLE_GRACE_MS) throw err;
      await sleep(interval);
      continue;
    }
    const progress = progressOf(rollout, live, now());
    reporter.progress(progress);
    const code = exitForStatus(rollout.status, { rolledBackIsSuccess: opts.rolledBackIsSuccess });
    if (code !== null) {
      reporter.event("done", { exitCode: code, rollout }, formatOutcome(rollout));
      return code;
    }
    if (now() >= deadline) {
      const line = `Timed out after ${opts.timeoutSeconds} s: rollout #${id} is still ${rollout.status.replace("_", " ")} (it goes on; npm run fd -- watch ${id}).`;
      reporter.event("timeout", { exitCode: EXIT.timedOut, rollout }, line);
      return EXIT.timedOut;
    }
    await sleep(Math.max(0, Math.min(interval, deadline - now())));
  }
}
