import type { ErrorCode } from "@/lib/errors";

/** What every server action returns (DESIGN rule 4); BLOCKED carries the policy's reasons verbatim. */
export type ActionResult<T = unknown> =
  | { ok: true; data: T }
  | { ok: false; code: ErrorCode; message: string; fieldErrors?: Record<string, string[]>; reasons?: string[] };
