import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** The parts of an OpenAPI 3.1 document the checks read. */
export interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
}

export interface OpenApiParameter {
  in: "path" | "query" | "header" | "cookie";
  name: string;
  required?: boolean;
  schema?: unknown;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { required?: boolean; schema?: unknown }>;
  content?: Record<string, { schema?: unknown }>;
}

export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  responses: Record<string, OpenApiResponse>;
  security?: Record<string, string[]>[];
  "x-permission"?: string;
  "x-roles"?: string[];
  "x-token-scope"?: string | null;
  "x-environment"?: string;
}

export interface DocumentedOperation {
  path: string;
  method: string;
  op: OpenApiOperation;
}

const DOC_ID = "urn:flightdeck:openapi";

export const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** Every operation of the document with its path and (lower-case) method. */
export function documentedOperations(doc: OpenApiDoc): DocumentedOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
  );
}

/**
 * Validators for the document's schemas (JSON Schema 2020-12, OpenAPI 3.1's dialect), with
 * `#/components/schemas/...` references resolved against the document's components.
 */
export class SchemaValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly cache = new Map<unknown, ValidateFunction>();

  constructor(doc: OpenApiDoc) {
    addFormats(this.ajv);
    // The components once, under the document's id: every schema's references point into it.
    this.ajv.addSchema({ $id: DOC_ID, components: doc.components });
  }

  /** Compiles one schema of the document (throws when it is not valid JSON Schema). */
  compile(schema: unknown): ValidateFunction {
    let fn = this.cache.get(schema);
    if (!fn) {
      fn = this.ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${DOC_ID}#/`)) as object);
      this.cache.set(schema, fn);
    }
    return fn;
  }

  /** Error messages of `value` against `schema`, empty when it conforms. */
  errors(schema: unknown, value: unknown): string[] {
    const fn = this.compile(schema);
    return fn(value) ? [] : (fn.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
  }
}

/** Every schema object directly used by the document (parameters, bodies, responses, headers). */
export function schemasOf(doc: OpenApiDoc): { where: string; schema: unknown }[] {
  const out: { where: string; schema: unknown }[] = [];
  for (const { path, method, op } of documentedOperations(doc)) {
    const at = `${method.toUpperCase()} ${path}`;
    for (const p of op.parameters ?? []) if (p.schema) out.push({ where: `${at} ${p.in} ${p.name}`, schema: p.schema });
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) if (media.schema) out.push({ where: `${at} body ${type}`, schema: media.schema });
    for (const [status, r] of Object.entries(op.responses)) {
      for (const [type, media] of Object.entries(r.content ?? {})) if (media.schema) out.push({ where: `${at} ${status} ${type}`, schema: media.schema });
      for (const [name, h] of Object.entries(r.headers ?? {})) if (h.schema) out.push({ where: `${at} ${status} header ${name}`, schema: h.schema });
    }
  }
  for (const [name, schema] of Object.entries(doc.components.schemas ?? {})) out.push({ where: `components.schemas.${name}`, schema });
  return out;
}

/** An answer as the checks read it (lower-case header names; parsed JSON, else text). */
export interface AnswerLike {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * What is wrong with an answer against its operation's document: an undocumented status, a
 * required header missing, another media type, a body its schema refuses. Empty when it conforms.
 */
export function answerProblems(op: OpenApiOperation, answer: AnswerLike, validator: SchemaValidator): string[] {
  const what = `${op.operationId} answered ${answer.status}`;
  const documented = op.responses[String(answer.status)];
  if (!documented) return [`${what}: an undocumented status (${JSON.stringify(answer.body).slice(0, 300)})`];
  const problems: string[] = [];
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if (header.required && answer.headers[name.toLowerCase()] === undefined) problems.push(`${what}: no ${name} header`);
  }
  const media = Object.entries(documented.content ?? {});
  if (media.length === 0) return problems;
  const contentType = answer.headers["content-type"] ?? "";
  const match = media.find(([type]) => contentType.startsWith(type));
  if (!match) return [...problems, `${what}: content type "${contentType}", documented ${media.map(([t]) => t).join(", ")}`];
  const [type, { schema }] = match;
  if (schema && /json/.test(type)) problems.push(...validator.errors(schema, answer.body).map((e) => `${what}: body ${e}`));
  return problems;
}
