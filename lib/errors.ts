import { z } from "zod";
import { humanIssueMessage, readablePath } from "@/lib/domain/input-messages";

// Every zod parse on the server (actions, services that validate themselves) words its bare
// limits for people: "At most 10,000 characters (this has 10,485,760)." (issue 10).
z.config({ customError: humanIssueMessage });

/** Errors a service may throw on purpose; anything else is INTERNAL and never shown raw. */
export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "INVALID",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "BLOCKED",
  /** Too many API calls for one token or person (429 + Retry-After; lib/api/rate-limit.ts). */
  "RATE_LIMITED",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  /**
   * Set once this refusal has its audit event (or was counted by the refusal rate cap), e.g. by
   * refusableTransaction for an AuditedRefusal: defineAction and withRoute then do not audit it twice.
   */
  audited = false;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
    readonly reasons?: string[],
  ) {
    super(message);
    this.name = "AppError";
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Please sign in.") {
    super("UNAUTHENTICATED", message);
  }
}
export class ForbiddenError extends AppError {
  constructor(
    message: string,
    readonly permission?: string,
  ) {
    super("FORBIDDEN", message);
  }
}
export class NotFoundError extends AppError {
  constructor(what: string) {
    super("NOT_FOUND", `${what} was not found.`);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, fieldErrors?: Record<string, string[]>) {
    super("CONFLICT", message, fieldErrors);
  }
}
export class InvalidError extends AppError {
  constructor(message: string, fieldErrors?: Record<string, string[]>) {
    super("INVALID", message, fieldErrors);
  }

  /** Zod issues as form field errors: a nested path goes to its top field, the rest kept in the message. */
  static fromIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): InvalidError {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of issues) {
      const [field, ...inner] = issue.path.map(String);
      // An item of a list field is named by the field: ["migrations", 0, "kind"] -> "Migration 1, kind".
      const where = /^\d+$/.test(inner[0] ?? "") ? readablePath([field!, ...inner]) : readablePath(inner);
      const message = inner.length ? `${where}: ${issue.message}` : issue.message;
      (fieldErrors[field ?? "_form"] ??= []).push(message);
    }
    return new InvalidError("Please correct the highlighted fields.", fieldErrors);
  }
}
export class PreconditionError extends AppError {
  constructor(message: string) {
    super("PRECONDITION_FAILED", message);
  }
}
export class BlockedError extends AppError {
  /** What would lift the block (e.g. "override:deploy.rollback@production"), verbatim from the policy decision. */
  readonly requires: string[];

  constructor(reasons: string[], requires: string[] = []) {
    super("BLOCKED", reasons.join(" "), undefined, reasons);
    this.requires = requires;
  }
}
