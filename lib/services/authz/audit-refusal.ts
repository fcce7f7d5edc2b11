import "server-only";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import { recordRefusal } from "@/lib/audit/refusal";
import type { Actor, AnyActor } from "@/lib/domain/actor";
import { clip } from "@/lib/domain/input-summary";
import { ERROR_CODES, type ErrorCode } from "@/lib/errors";

/** A request Flightdeck refused, as its audit event tells it (never with the input's values). */
export interface Refusal {
  /** The person, a disabled account included (acting under no roles); null: no session. */
  actor: Actor | null;
  /** The action or route that was attempted, e.g. "release.create", or a route's name ("audit.export"). */
  attempted: string;
  code: ErrorCode;
  message: string;
  requestId: string;
  /** The client address (lib/auth/client-address.ts), when the request has one. */
  address?: string;
  permission?: string;
  /** Names of the fields sent (lib/domain/input-summary.ts fieldNames), and those found invalid. */
  fields?: readonly string[];
  invalid?: readonly string[];
  /** Why, when the caller is not told (e.g. which way an API token failed: lib/auth/authenticate-request.ts). */
  reason?: string;
  at?: number;
}

/**
 * The one place a refused request is audited (issue 10, M1): defineAction and withRoute call it
 * for every refusal a service did not audit itself. FORBIDDEN stays `authz.denied` (as before);
 * every other code is `action.refused`. Under the refusal rate cap (lib/audit/refusal.ts).
 */
export function auditRefusal(r: Refusal): "recorded" | "suppressed" {
  const db = getDb();
  const actor: AnyActor = r.actor ?? { kind: "system", label: "anonymous" };
  const at = r.at ?? Date.now();
  const details: Record<string, unknown> = { code: r.code, message: clip(r.message, 300) };
  if (r.permission) details.permission = r.permission;
  if (r.address) details.address = clip(r.address, 64);
  if (r.fields?.length) details.fields = r.fields;
  if (r.invalid?.length) details.invalid = r.invalid.slice(0, 20).map((f) => clip(f, 40));
  if (r.reason) details.reason = clip(r.reason, 100);
  return writeTransaction(db, (tx) =>
    recordRefusal(
      db,
      tx,
      {
        actor,
        roles: r.actor ? r.actor.roles : [],
        action: r.code === "FORBIDDEN" ? "authz.denied" : "action.refused",
        subjectType: "action",
        subjectId: clip(r.attempted, 100),
        details,
        requestId: r.requestId,
      },
      { code: r.code, attempted: r.attempted, address: r.address, at },
    ),
  );
}

const STATUS_CODES: Record<number, ErrorCode> = { 400: "INVALID", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 412: "PRECONDITION_FAILED", 429: "RATE_LIMITED" };

/**
 * For route handlers: audits a 4xx response as a refusal (its code and message read from the JSON
 * error body, else from the status) and returns it unchanged; any other response passes through.
 */
export async function auditRouteRefusal(
  res: Response,
  r: Pick<Refusal, "actor" | "attempted" | "requestId" | "address" | "permission" | "fields" | "reason">,
): Promise<Response> {
  if (res.status < 400 || res.status >= 500) return res;
  let body: { code?: unknown; message?: unknown; fieldErrors?: unknown } = {};
  if (res.headers.get("content-type")?.includes("json")) {
    try {
      body = (await res.clone().json()) as typeof body;
    } catch {
      body = {};
    }
  }
  const code = (ERROR_CODES as readonly unknown[]).includes(body.code) ? (body.code as ErrorCode) : (STATUS_CODES[res.status] ?? "INVALID");
  const message = typeof body.message === "string" ? body.message : res.statusText || `HTTP ${res.status}`;
  const invalid = body.fieldErrors && typeof body.fieldErrors === "object" ? Object.keys(body.fieldErrors) : undefined;
  auditRefusal({ ...r, code, message, invalid, permission: code === "FORBIDDEN" ? r.permission : undefined });
  return res;
}
