import { Argument, Command } from "commander";
import type { z } from "zod";
import type { overrideSchema, securityStatusSchema } from "@/lib/api/spec/deploy-safety";
import { EXIT, exitForStatus } from "../lib/exit-codes";
import { liveOf } from "../lib/follow";
import { type Rollout, formatOutcome, formatProgress, progressOf } from "../lib/format";
import { type CliIo, act, configureProgram, connectionOptions, positiveNumber, rolloutId, waitOptions } from "../lib/program";

const ROLLOUT_COMMANDS = ["promote", "abort", "pause", "resume", "retry"] as const;
const GATE_MODES = ["monitor", "enforce", "lockdown"] as const;

const COMMAND_HELP: Record<(typeof ROLLOUT_COMMANDS)[number], string> = {
  promote: "skip the remaining holds and go to 100%",
  abort: "canary to 0% and removed; the stable version keeps all traffic",
  pause: "pause where it is (a hold keeps the time it had left)",
  resume: "resume a paused rollout",
  retry: "retry the failed step",
};

/** The gate as GET /api/deploy-safety/security-gate/status (and POST .../mode) answer it. */
export type GateStatus = z.infer<typeof securityStatusSchema>;

export function gateLines(g: GateStatus): string[] {
  return [
    `Security gate: ${g.mode}${g.mode === "lockdown" && g.lockdownReason ? ` (${g.lockdownReason})` : ""}`,
    `  threat level: ${g.threatLevel}`,
    `  active overrides: ${g.activeOverrides}`,
  ];
}

/**
 * `npm run fd -- <command>`: a rollout's status, following it, its commands (with If-Match), and
 * the security gate (status, mode, overrides), all through the HTTP API.
 */
export function buildFd(io: CliIo): Command {
  const program = configureProgram(new Command("fd"), io, "Flightdeck from a terminal: rollouts and the security gate through the HTTP API.");
  connectionOptions(program);

  program
    .command("status")
    .description("print a rollout's state once; exits as --wait would if it has ended (0 while it moves)")
    .argument("<rolloutId>", "the rollout", rolloutId)
    .action(
      act(io, async ({ client, reporter }, _opts, id: number) => {
        const rollout = (await client.get<Rollout>(`/api/v1/rollouts/${id}`)).body;
        const progress = progressOf(rollout, await liveOf(client, id, { live: true, after: 0 }), Date.now());
        const code = exitForStatus(rollout.status) ?? EXIT.succeeded;
        const ended = ["succeeded", "failed", "rolled_back", "paused"].includes(rollout.status);
        reporter.event("status", { exitCode: code, progress, rollout }, ended ? [formatProgress(progress), formatOutcome(rollout)] : formatProgress(progress));
        return code;
      }),
    );

  program
    .command("watch")
    .description("follow a rollout until it ends (step, weight, verdict, time left in hold)")
    .argument("<rolloutId>", "the rollout", rolloutId)
    .option("--timeout <seconds>", "give up after this many seconds (exit 5)", positiveNumber)
    .action(act(io, async ({ follow }, _opts, id: number) => follow(id)));

  for (const command of ROLLOUT_COMMANDS) {
    const sub = program
      .command(command)
      .description(`${COMMAND_HELP[command]} (POST /api/v1/rollouts/{id}/${command} with If-Match)`)
      .argument("<rolloutId>", "the rollout", rolloutId)
      .option("--reason <text>", "why (kept in the audit trail)")
      .option("--force", "If-Match: * (act on whatever state it is in now) instead of the ETag just read");
    waitOptions(sub).action(
      act(io, async ({ client, reporter, follow }, opts, id: number) => {
        const ifMatch = opts.force ? "*" : ((await client.get<Rollout>(`/api/v1/rollouts/${id}`)).headers.get("etag") ?? "*");
        const res = await client.post<Rollout>(`/api/v1/rollouts/${id}/${command}`, opts.reason ? { reason: opts.reason } : {}, { "if-match": ifMatch });
        const rollout = res.body;
        reporter.event("accepted", { command, rollout }, `${command}: recorded for rollout #${id} (now ${rollout.status.replace("_", " ")}); the worker carries it out.`);
        // An abort asked for exactly this end: rolled back is its success.
        return opts.wait ? follow(id, { rolledBackIsSuccess: command === "abort" }) : EXIT.succeeded;
      }),
    );
  }

  program
    .command("override")
    .description("create a time-limited override of the security gate (security scope)")
    .requiredOption("--action <action>", "the gated action, e.g. deploy.canary.start or deploy.rollback")
    .requiredOption("--env <name>", "the environment, e.g. production")
    .requiredOption("--reason <text>", "why (kept in the audit trail)")
    .requiredOption("--ttl <minutes>", "how long it lasts, in minutes", positiveNumber)
    .action(
      act(io, async ({ client, reporter }, opts) => {
        const body = { action: opts.action, environment: opts.env, reason: opts.reason, ttlMinutes: opts.ttl };
        const override = (await client.post<z.infer<typeof overrideSchema>>("/api/deploy-safety/security-gate/override", body)).body;
        reporter.event("override", { override }, `Override #${override.id} created: ${override.action} in ${override.environment} until ${new Date(override.expiresAt).toISOString()}.`);
        return EXIT.succeeded;
      }),
    );

  const gate = program.command("gate").description("the security gate: status (default) or mode <monitor|enforce|lockdown>");
  gate
    .command("status", { isDefault: true })
    .description("mode, threat level, lockdown reason, active overrides")
    .action(
      act(io, async ({ client, reporter }) => {
        const status = (await client.get<GateStatus>("/api/deploy-safety/security-gate/status")).body;
        reporter.event("gate", { gate: status }, gateLines(status));
        return EXIT.succeeded;
      }),
    );
  gate
    .command("mode")
    .description("set the gate's mode (security scope)")
    .addArgument(new Argument("<mode>", "the new mode").choices(GATE_MODES))
    .requiredOption("--reason <text>", "why (shown while in lockdown, kept in the audit trail)")
    .action(
      act(io, async ({ client, reporter }, opts, mode: string) => {
        const status = (await client.post<GateStatus>("/api/deploy-safety/security-gate/mode", { mode, reason: opts.reason })).body;
        reporter.event("gate", { gate: status }, gateLines(status));
        return EXIT.succeeded;
      }),
    );
  return program;
}
