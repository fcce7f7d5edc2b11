import { z } from "zod";
import type { Permission } from "@/lib/domain/permissions";

/**
 * One documented REST operation (issue 11): what the OpenAPI document says (lib/api/openapi.ts)
 * and what the route checks (apiOperation in ./operation.ts) come from this one object, so they
 * cannot drift. Specs live in lib/api/spec/*.ts (no server code: the document, the CLI and the
 * tests import them) and are listed in lib/api/spec/index.ts.
 */
export interface ResponseSpec {
  description: string;
  /** The JSON body; none for an empty answer. */
  schema?: z.ZodType;
  /** Response headers this answer carries (documented), e.g. ["Location", "ETag"]. */
  headers?: readonly ("Location" | "ETag" | "Link" | "Retry-After")[];
  /** Another media type than JSON (e.g. text/csv for an export); the schema is then not JSON. */
  contentType?: string;
}

export interface OperationSpec {
  /** The operationId, also the name refusals are audited under. */
  id: string;
  method: "GET" | "POST" | "DELETE";
  /** OpenAPI path template, e.g. "/api/v1/rollouts/{id}". */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** The permission-table verb a caller needs (roles and, for a token, scopes). */
  permission: Permission;
  /**
   * The call acts on one environment: a token limited to another is refused (403). Names where
   * the environment comes from, for the authorization matrix test.
   */
  environment?: "path" | "query" | "body" | "resource";
  /** Needs If-Match (412 stale, 428 missing). */
  ifMatch?: boolean;
  /** The thing a path id names, for the 404 message ("Rollout was not found."). */
  resource?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success answers by status (errors are documented for every operation as problem+json). */
  responses: Readonly<Record<number, ResponseSpec>>;
}

export function defineOperation<const S extends OperationSpec>(spec: S): S {
  return spec;
}

/** A numeric path id: anything else cannot exist and is answered 404. */
export const idParam = z.string().regex(/^\d{1,15}$/).transform(Number);
