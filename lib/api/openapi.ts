import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from "zod-openapi";
import { PERMISSIONS, type Permission } from "@/lib/domain/permissions";
import { HUMAN_ONLY_PERMISSIONS, SCOPE_PERMISSIONS, TOKEN_SCOPES, type TokenScope } from "@/lib/domain/token-scopes";
import { ERROR_CODES } from "@/lib/errors";
import { MAX_JSON_BODY_BYTES } from "./body";
import type { OperationSpec, ResponseSpec } from "./operation-spec";
import { PROBLEM_CONTENT_TYPE } from "./problem";
import { OPERATIONS } from "./spec";

/**
 * The OpenAPI 3.1 document of the REST API (issue 11), built from the operation specs
 * (lib/api/spec) and their zod schemas, so the document is what the routes check. Served at
 * /api/openapi.json and shown by the API reference page (/api-docs). Every operation documents
 * its success answers, the problem+json errors it can give, who may call it (`x-permission`,
 * `x-roles`, `x-token-scope`) and the headers of the conventions (If-Match, Idempotency-Key).
 */

/** RFC 9457 problem details (lib/api/problem.ts `Problem`): the one error shape. */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: "A URN per code, e.g. urn:flightdeck:problem:blocked (stable; not a page to fetch)." }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: "What happened, for people. Never a stack trace or SQL." }),
    code: z.enum(ERROR_CODES),
    requestId: z.string().optional().meta({ description: "The X-Request-Id of the answer; the audit events of the call carry it." }),
    fieldErrors: z.record(z.string(), z.array(z.string())).optional().meta({ description: "Messages per invalid field (`_form` for the request as a whole)." }),
    reasons: z.array(z.string()).optional().meta({ description: "A policy block's reasons, verbatim." }),
    requires: z.array(z.string()).optional().meta({ description: 'What would lift a policy block, verbatim (e.g. "override:deploy.rollback@production").' }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)." });

const HEADER_SCHEMAS = {
  Location: z.string().meta({ description: "Where to follow the work (the resource the worker updates)." }),
  ETag: z.string().meta({ description: 'The row version, e.g. "v3": send it back as If-Match.' }),
  Link: z.string().optional().meta({ description: 'The next page: `<url>; rel="next"`; absent on the last page.' }),
  "Retry-After": z.string().meta({ description: "Seconds until the next call would pass." }),
} satisfies Record<NonNullable<ResponseSpec["headers"]>[number], z.ZodType>;

const requestIdHeader = z.string().meta({ description: "Names this request; its audit events and server log lines carry it." });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request: query, body or header (fieldErrors name the fields).",
  401: "Not authenticated: no token, or a malformed, unknown, expired or revoked one (one answer for all).",
  403: "FORBIDDEN: roles or token scopes do not allow it (or the token is limited to another environment); BLOCKED: a policy says no, with reasons[] and requires[].",
  404: "Not found: no such resource (also for an id that cannot exist).",
  409: "Conflict with the current state (e.g. a command the rollout's state does not allow), or a request with this Idempotency-Key is still being answered.",
  412: "If-Match does not match the current ETag: GET again and retry.",
  413: `The body is larger than ${MAX_JSON_BODY_BYTES} bytes.`,
  415: "The body is not application/json.",
  422: "This Idempotency-Key was used with another request in the last 24 hours.",
  428: "If-Match is missing (send the ETag from GET, or * for any state).",
  429: "Too many requests for this token (or person): wait Retry-After seconds.",
};

/** The error statuses an operation can answer, from what its spec says it reads and checks. */
export function errorStatuses(spec: OperationSpec): number[] {
  const readsBody = spec.method !== "GET";
  const statuses = [401, 403, 429];
  if (readsBody || spec.query) statuses.push(400);
  if (spec.params || spec.resource) statuses.push(404);
  if (readsBody) statuses.push(409, 413, 415);
  if (spec.method === "POST") statuses.push(422);
  if (spec.ifMatch) statuses.push(412, 428);
  return statuses.sort((a, b) => a - b);
}

/** The token scope that lists the permission, or null when no token may ever call it. */
export function tokenScopeOf(permission: Permission): TokenScope | null {
  if (HUMAN_ONLY_PERMISSIONS.includes(permission)) return null;
  return TOKEN_SCOPES.find((s) => SCOPE_PERMISSIONS[s].includes(permission)) ?? null;
}

function whoMayCall(spec: OperationSpec): string {
  const scope = tokenScopeOf(spec.permission);
  const roles = PERMISSIONS[spec.permission].join(", ");
  const token = scope ? `an API token needs the \`${scope}\` scope` : "no API token may call it";
  return `**Who may call it:** \`${spec.permission}\` (roles: ${roles}); ${token}.`;
}

function successResponse(r: ResponseSpec, spec: OperationSpec): ZodOpenApiResponseObject {
  const headers: Record<string, z.ZodType> = { "X-Request-Id": requestIdHeader };
  for (const h of r.headers ?? []) headers[h] = HEADER_SCHEMAS[h];
  if (spec.method === "POST") headers["Idempotent-Replayed"] = z.literal("true").optional().meta({ description: "This is the kept answer to an earlier request with the same Idempotency-Key." });
  const response: ZodOpenApiResponseObject = { description: r.description, headers: z.object(headers) };
  if (r.schema) response.content = { [r.contentType ?? "application/json"]: { schema: r.schema } };
  else if (r.contentType) response.content = { [r.contentType]: { schema: { type: "string" } } };
  return response;
}

function errorResponse(status: number): ZodOpenApiResponseObject {
  const headers: Record<string, z.ZodType> = { "X-Request-Id": requestIdHeader };
  if (status === 429) headers["Retry-After"] = HEADER_SCHEMAS["Retry-After"];
  return { description: ERROR_DESCRIPTIONS[status]!, headers: z.object(headers), content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
}

const ifMatchHeader = z.string().meta({ description: 'The ETag from GET (e.g. "v3"), or * for whatever state it is in. Missing: 428; stale: 412.' });
const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .optional()
  .meta({ description: "Retries with the same key and body get the first answer again (kept 24 h); the same key with another body is 422. A UUID is a good choice." });

function operation(spec: OperationSpec): ZodOpenApiOperationObject {
  const header: Record<string, z.ZodType> = {};
  if (spec.ifMatch) header["If-Match"] = ifMatchHeader;
  if (spec.method === "POST") header["Idempotency-Key"] = idempotencyKeyHeader;
  const responses: ZodOpenApiOperationObject["responses"] = {};
  for (const [status, r] of Object.entries(spec.responses)) responses[status as `2${string}`] = successResponse(r, spec);
  for (const status of errorStatuses(spec)) responses[String(status) as `4${string}`] = errorResponse(status);
  const op: ZodOpenApiOperationObject = {
    operationId: spec.id,
    summary: spec.summary,
    description: [spec.description, whoMayCall(spec)].filter(Boolean).join("\n\n"),
    tags: [...spec.tags],
    security: [{ bearer: [] }],
    requestParams: {
      ...(spec.params ? { path: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(Object.keys(header).length ? { header: z.object(header) } : {}),
    },
    responses,
    "x-permission": spec.permission,
    "x-roles": [...PERMISSIONS[spec.permission]],
    "x-token-scope": tokenScopeOf(spec.permission),
    ...(spec.environment ? { "x-environment": spec.environment } : {}),
  };
  if (spec.method !== "GET" && spec.body) {
    op.requestBody = { required: !spec.body.safeParse({}).success, content: { "application/json": { schema: spec.body } } };
  }
  return op;
}

export const OPENAPI_INFO = {
  title: "Flightdeck REST API",
  version: "1.0.0",
  description: [
    "Drive releases, rollouts and the deploy-safety checks of runbook 003 from scripts and CI.",
    "Authenticate with `Authorization: Bearer fdk_...` (Settings -> API tokens, or `npm run token:create`). A token acts as its owner with the intersection of the owner's current roles and the token's scopes; approvals always need a person.",
    "Errors are RFC 9457 `application/problem+json`. A POST honours `Idempotency-Key`; state changes of mutable resources need `If-Match`; lists page with a cursor and `Link`; too many calls are 429 with `Retry-After`.",
  ].join("\n\n"),
};

/** Builds the document from a list of operations (the route and the tests use OPERATIONS). */
export function buildOpenApiDocument(operations: readonly OperationSpec[] = OPERATIONS) {
  const paths: ZodOpenApiPathsObject = {};
  for (const spec of operations) {
    const item = (paths[spec.path] ??= {});
    item[spec.method.toLowerCase() as "get" | "post" | "delete"] = operation(spec);
  }
  const tags = [...new Set(operations.flatMap((o) => o.tags))].sort().map((name) => ({ name }));
  return createDocument({
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: "/", description: "This Flightdeck" }],
    tags,
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "fdk_<30 base62><6 base62 checksum>", description: "An API token: Settings -> API tokens." },
      },
    },
  });
}

let cached: string | undefined;

/** The document of OPERATIONS as JSON text (built once per process). */
export function openApiJson(): string {
  cached ??= JSON.stringify(buildOpenApiDocument());
  return cached;
}
