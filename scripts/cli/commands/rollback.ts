import { Command } from "commander";
import type { z } from "zod";
import type { rollbackRequestSchema } from "@/lib/api/spec/deploy-safety";
import { CliError } from "../lib/client";
import { EXIT } from "../lib/exit-codes";
import { type RollbackPlanView, type Rollout, formatPlan } from "../lib/format";
import { type CliIo, act, configureProgram, connectionOptions, targetOptions, waitOptions } from "../lib/program";

/**
 * `npm run rollback -- --service S --env E` prints the dry-run plan and changes nothing;
 * `... --apply --reason "..."` creates the rollback request for that plan and executes it.
 */
export function buildRollback(io: CliIo): Command {
  const program = configureProgram(new Command("rollback"), io, "Show the rollback plan of a service in an environment (dry run), or apply it with --apply.");
  targetOptions(connectionOptions(program))
    .option("--apply", "carry the plan out (without it, nothing changes)")
    .option("--reason <text>", "why you roll back (kept in the audit trail); required with --apply");
  waitOptions(program, "the rollback").action(
    act(io, async ({ client, reporter, follow }, opts) => {
      if (opts.apply && !opts.reason) throw new CliError(EXIT.usage, '--apply needs --reason "why" (it goes into the audit trail).');
      const target = { environment: opts.env as string, ...(opts.service ? { service: opts.service as string } : {}) };
      const query = new URLSearchParams(target);
      const plan = (await client.get<RollbackPlanView>(`/api/deploy-safety/rollback/plan?${query}`)).body;
      reporter.event("plan", { plan }, formatPlan(plan, Boolean(opts.apply)));
      if (!plan.ok) return EXIT.failed;
      if (!opts.apply) return EXIT.succeeded;
      // The versions the person saw: the server refuses (409) when the plan has changed since.
      const request = await client.post<z.infer<typeof rollbackRequestSchema>>("/api/deploy-safety/rollback/create", {
        ...target,
        ...(plan.from ? { fromVersion: plan.from } : {}),
        ...(plan.to ? { toVersion: plan.to } : {}),
        reason: opts.reason,
      });
      const res = await client.post<Rollout>(`/api/deploy-safety/rollback/${request.body.id}/execute`, {});
      const rollout = res.body;
      const what = request.body.kind === "abort_live" ? `aborts ${rollout.toVersion}` : `${rollout.fromVersion ?? "(none)"} -> ${rollout.toVersion}`;
      reporter.event("started", { rollbackId: request.body.id, rollout, location: res.headers.get("location") }, [
        `Rollback #${request.body.id} executed: rollout #${rollout.id} of ${rollout.service} in ${rollout.environment} ${what} (${rollout.status.replace("_", " ")}).`,
        `Follow it: npm run fd -- watch ${rollout.id}`,
      ]);
      if (!opts.wait) return EXIT.succeeded;
      // Aborting a live rollout succeeds when it ends rolled back; a redeploy must succeed.
      return follow(rollout.id, { rolledBackIsSuccess: request.body.kind === "abort_live" });
    }),
  );
  return program;
}
