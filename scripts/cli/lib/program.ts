import { type Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ApiClient, CliError } from "./client";
import { EXIT, EXIT_CODE_HELP } from "./exit-codes";
import { type FollowOptions, followRollout } from "./follow";
import { Reporter, outputMode } from "./reporter";

interface Stream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Where a CLI run reads and writes; tests pass their own streams and a fetch that calls the route handlers. */
export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  fetch?: (req: Request) => Promise<Response>;
  /** Poll interval while following a rollout (ms). */
  intervalMs?: number;
  /** Waits between polls and retries (tests pass a quick one). */
  sleep?: (ms: number) => Promise<void>;
  /** Set by the action that ran (commander ignores what actions return). */
  exitCode?: number;
}

export const DEFAULT_URL = "http://localhost:3000";

/** Options every command takes (program-wide for `fd`, so they may come before or after the subcommand). */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--url <url>", "Flightdeck's base URL").env("FLIGHTDECK_URL").default(DEFAULT_URL))
    .addOption(new Option("--token <token>", "API token (prefer FLIGHTDECK_TOKEN)").env("FLIGHTDECK_TOKEN"))
    .option("--json", "one JSON object per line per event on stdout (use `npm run -s` so npm adds no lines)");
}

/** --service and --env: what a canary or a rollback acts on. */
export function targetOptions(cmd: Command): Command {
  return cmd.option("--service <name>", "the service, e.g. sample-api (may be left out while Flightdeck has one service)").requiredOption("--env <name>", "the environment, e.g. staging");
}

export function waitOptions(cmd: Command, what = "the rollout"): Command {
  return cmd
    .option("--wait", `follow ${what} until it ends; the exit code says how it ended`)
    .addOption(new Option("--timeout <seconds>", "give up waiting after this many seconds (exit 5; implies --wait)").argParser(positiveNumber).implies({ wait: true }));
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("Give a positive number.");
  return n;
}

export function rolloutId(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) === 0) throw new InvalidArgumentError("A rollout id is a positive whole number.");
  return Number(value);
}

export interface ConnectionOpts {
  url: string;
  token?: string;
  json?: boolean;
  wait?: boolean;
  timeout?: number;
}

/** What an action works with: the API client, the reporter, and following a rollout. */
export interface Ctx {
  client: ApiClient;
  reporter: Reporter;
  follow: (id: number, opts?: Pick<FollowOptions, "rolledBackIsSuccess">) => Promise<number>;
}

/**
 * Sets up the program: usage errors exit 2 (after the message and a hint), help and the exit-code
 * table on --help, output to the given streams. Call before adding subcommands, which inherit it.
 */
export function configureProgram(program: Command, io: CliIo, description: string): Command {
  return program
    .description(description)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("afterAll", EXIT_CODE_HELP);
}

/**
 * Wraps an action: builds the client and reporter from the options, runs it, and turns every error
 * into its message (never a stack trace) and its exit code.
 */
export function act<A extends unknown[]>(io: CliIo, fn: (ctx: Ctx, opts: ConnectionOpts & Record<string, unknown>, ...args: A) => Promise<number>) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args.at(-1) as Command;
    const opts = cmd.optsWithGlobals<ConnectionOpts & Record<string, unknown>>();
    const reporter = new Reporter(outputMode(opts.json, io.stdout), io.stdout, io.stderr);
    try {
      if (!opts.token) throw new CliError(EXIT.auth, "No API token: set FLIGHTDECK_TOKEN (or pass --token). Create one under Settings -> API tokens or with npm run token:create.");
      const client = new ApiClient({ url: opts.url, token: opts.token, fetch: io.fetch, sleep: io.sleep });
      const ctx: Ctx = {
        client,
        reporter,
        follow: (id, extra) => followRollout(client, id, reporter, { timeoutSeconds: opts.timeout, intervalMs: io.intervalMs, sleep: io.sleep, ...extra }),
      };
      io.exitCode = await fn(ctx, opts, ...(args.slice(0, -2) as A));
    } catch (err) {
      const error = err instanceof CliError ? err : new CliError(EXIT.failed, `Unexpected error: ${err instanceof Error ? err.message : String(err)}`);
      reporter.error(error);
      io.exitCode = error.exitCode;
    }
  };
}

/** Parses and runs; returns the exit code (0 for --help). */
export async function runCli(build: (io: CliIo) => Command, argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  io.exitCode = 0;
  try {
    await build(io).parseAsync([...argv], { from: "user" });
    return io.exitCode;
  } catch (err) {
    // --help exits 0; a usage error (or a bare `fd`, which shows the help on stderr) exits 2.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.succeeded : EXIT.usage;
    io.stderr.write(`Unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}
