import { ERROR_CODES, type ErrorCode } from "@/lib/errors";

/**
 * RFC 9457 problem details, the one error shape of the REST API (/api/v1). Handlers and withRoute
 * answer errors as `{ok: false, code, message, fieldErrors?, reasons?, requires?}` (what the refusal
 * audit reads); withApiRoute (./route.ts) turns each into `application/problem+json`:
 * `{type, title, status, detail, code, requestId, fieldErrors?, reasons?, requires?}`.
 * `type` is a URN per code (stable, not a page to fetch); `reasons` / `requires` are the policy's, verbatim.
 */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId?: string;
  fieldErrors?: Record<string, string[]>;
  reasons?: string[];
  requires?: string[];
}

const TITLES: Record<ErrorCode, string> = {
  UNAUTHENTICATED: "Not authenticated",
  FORBIDDEN: "Not allowed",
  NOT_FOUND: "Not found",
  INVALID: "Invalid request",
  CONFLICT: "Conflict with the current state",
  PRECONDITION_FAILED: "Precondition failed",
  BLOCKED: "Blocked by policy",
  RATE_LIMITED: "Too many requests",
  INTERNAL: "Internal error",
};

export const problemType = (code: ErrorCode) => `urn:flightdeck:problem:${code.toLowerCase().replace(/_/g, "-")}`;

/** An error answer in the internal shape (audited by withRoute, then turned into a problem). */
export function refusal(status: number, code: ErrorCode, message: string, extra?: { fieldErrors?: Record<string, string[]> }): Response {
  return Response.json({ ok: false, code, message, ...extra }, { status });
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** The problem for an internal error body; only known fields are copied, so nothing else can leak. */
export function problemOf(status: number, body: Record<string, unknown>, requestId: string | undefined): Problem {
  const code: ErrorCode = (ERROR_CODES as readonly unknown[]).includes(body.code) ? (body.code as ErrorCode) : status >= 500 ? "INTERNAL" : "INVALID";
  const problem: Problem = {
    type: problemType(code),
    title: TITLES[code],
    status,
    detail: status >= 500 || typeof body.message !== "string" ? `Something went wrong. Reference: ${requestId ?? "none"}.` : body.message,
    code,
  };
  if (requestId) problem.requestId = requestId;
  if (body.fieldErrors && typeof body.fieldErrors === "object") problem.fieldErrors = body.fieldErrors as Record<string, string[]>;
  if (isStringArray(body.reasons)) problem.reasons = body.reasons;
  if (isStringArray(body.requires)) problem.requires = body.requires;
  return problem;
}

/** Rewrites an error response (status >= 400) as problem+json, keeping its other headers; others pass unchanged. */
export async function asProblem(res: Response): Promise<Response> {
  if (res.status < 400 || res.headers.get("content-type")?.startsWith(PROBLEM_CONTENT_TYPE)) return res;
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await res.json();
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    body = {};
  }
  const headers = new Headers(res.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  headers.delete("content-length");
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(problemOf(res.status, body, res.headers.get("x-request-id") ?? undefined)), { status: res.status, headers });
}
