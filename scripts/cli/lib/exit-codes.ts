import type { ROLLOUT_STATUSES } from "@/lib/domain/rollout/machine";

/**
 * The CLI's exit codes (issue 11, N2): what a CI step can branch on without reading the output.
 * One table, printed by every command's --help and documented in README.md ("Command line (CI)").
 */
export const EXIT = {
  succeeded: 0,
  failed: 1,
  usage: 2,
  blocked: 3,
  auth: 4,
  timedOut: 5,
  paused: 6,
  unreachable: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP = `
Exit codes:
  0  succeeded (or, without --wait, the request was accepted)
  1  failed or rolled back (the decision sentence is printed); a conflict with the current state
  2  usage: bad arguments, an invalid request (the field errors are printed), an unknown id
  3  blocked by policy (the policy's reasons and what would lift the block are printed)
  4  authentication: no token, an invalid/expired/revoked token (401), or not allowed (403)
  5  timed out (--timeout) before the rollout ended
  6  paused and waiting for a person (resume, promote or abort it)
  7  Flightdeck could not be reached or failed (5xx): the outcome is unknown

Environment: FLIGHTDECK_URL (default http://localhost:3000), FLIGHTDECK_TOKEN (an API token; prefer it to --token,
which other users of the machine can see in the process list).`;

/** Exit code for an RFC 9457 problem answer, by its `code` first and its status otherwise. */
export function exitForProblem(status: number, code: string | undefined): ExitCode {
  switch (code) {
    case "BLOCKED":
      return EXIT.blocked;
    case "UNAUTHENTICATED":
    case "FORBIDDEN":
      return EXIT.auth;
    case "INVALID":
    case "NOT_FOUND":
      return EXIT.usage;
    case "CONFLICT":
    case "PRECONDITION_FAILED":
    case "RATE_LIMITED":
      return EXIT.failed;
    case "INTERNAL":
      return EXIT.unreachable;
  }
  if (status === 401 || status === 403) return EXIT.auth;
  if (status >= 500) return EXIT.unreachable;
  if (status === 400 || status === 404 || status === 413 || status === 415 || status === 422) return EXIT.usage;
  return EXIT.failed;
}

export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/**
 * Where following a rollout ends: its exit code, or null while it is still moving. `rolledBackIsSuccess`
 * is for a rollback that aborts a live rollout: there, ending rolled back is what was asked for.
 */
export function exitForStatus(status: RolloutStatus, opts: { rolledBackIsSuccess?: boolean } = {}): ExitCode | null {
  switch (status) {
    case "succeeded":
      return EXIT.succeeded;
    case "rolled_back":
      return opts.rolledBackIsSuccess ? EXIT.succeeded : EXIT.failed;
    case "failed":
      return EXIT.failed;
    case "paused":
      return EXIT.paused;
    default:
      return null;
  }
}
