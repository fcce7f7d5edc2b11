import { readFileSync } from "node:fs";
import { Command } from "commander";
import { CliError } from "../lib/client";
import { EXIT } from "../lib/exit-codes";
import type { Rollout } from "../lib/format";
import { type CliIo, act, configureProgram, connectionOptions, targetOptions, waitOptions } from "../lib/program";

/** A strategy file's JSON (validated by the server, which names the wrong field). */
export function readStrategyFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(EXIT.usage, `Cannot read the strategy file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(EXIT.usage, `The strategy file ${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** "Started rollout #12: sample-api 1.0.0 -> 1.1.0 in staging (pending)." and how to follow it. */
export function startedLines(r: Rollout): string[] {
  return [`Started rollout #${r.id}: ${r.service} ${r.fromVersion ?? "(none)"} -> ${r.toVersion} in ${r.environment} (${r.status.replace("_", " ")}).`, `Follow it: npm run fd -- watch ${r.id}`];
}

/** `npm run deploy:canary -- [--service S] --env E --version V [--strategy file.json] [--wait] [--timeout s] [--json]` */
export function buildDeployCanary(io: CliIo): Command {
  const program = configureProgram(new Command("deploy:canary"), io, "Start a canary rollout of a version through Flightdeck's API (POST /api/deploy-safety/canary/start).");
  targetOptions(connectionOptions(program))
    .requiredOption("--version <version>", "the version to roll out, e.g. 1.1.0")
    .option("--strategy <file>", 'a JSON strategy file, e.g. {"kind":"canary","steps":[{"weight":10,"holdSeconds":60},{"weight":100,"holdSeconds":0}]}');
  waitOptions(program).action(
    act(io, async ({ client, reporter, follow }, opts) => {
      const body = {
        environment: opts.env as string,
        ...(opts.service ? { service: opts.service as string } : {}),
        version: opts.version as string,
        ...(opts.strategy ? { strategy: readStrategyFile(opts.strategy as string) } : {}),
      };
      const res = await client.post<Rollout>("/api/deploy-safety/canary/start", body);
      const rollout = res.body;
      reporter.event("started", { rollout, location: res.headers.get("location") }, startedLines(rollout));
      if (!opts.wait) return EXIT.succeeded;
      return follow(rollout.id);
    }),
  );
  return program;
}
