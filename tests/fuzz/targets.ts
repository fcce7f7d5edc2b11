import { readdirSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { ACTION_DEFINITION, type ActionDefinition } from "@/lib/actions/define-action";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Every file under `dir` (relative to the repository) whose name is `name`, sorted. */
function findFiles(dir: string, name: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const p = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name === name) out.push(p);
    }
  };
  walk(path.join(ROOT, dir));
  return out.sort();
}

export type ActionFn = (prev: unknown, raw: unknown) => Promise<unknown>;

export interface ActionTarget {
  /** e.g. "releases/actions.ts#createReleaseAction" */
  id: string;
  fn: ActionFn;
  definition: ActionDefinition | undefined;
  /** Field names of the input schema (empty for a free-form record). */
  fields: string[];
  /** Enum and literal options found per field (what a plausible value can be). */
  options: Record<string, unknown[]>;
  /** The base type of each field (through optional, default, coerce, pipes). */
  kinds: Record<string, string>;
}

type AnySchema = z.core.$ZodType;
const defOf = (s: AnySchema) => s._zod.def as unknown as Record<string, unknown> & { type: string };

/** Schema types that wrap one inner schema (`innerType`) without changing its shape. */
const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

/** The object shape under wrappers (optional, default, pipe, refine...), or null. */
function shapeOf(schema: AnySchema, depth = 0): Record<string, AnySchema> | null {
  if (depth > 10) return null;
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return shapeOf(def.innerType as AnySchema, depth + 1);
  switch (def.type) {
    case "object":
      return def.shape as Record<string, AnySchema>;
    case "pipe":
      return shapeOf(def.in as AnySchema, depth + 1) ?? shapeOf(def.out as AnySchema, depth + 1);
    default:
      return null;
  }
}

/** Enum options and literals reachable from a field's schema. */
function optionsOf(schema: AnySchema, depth = 0): unknown[] {
  if (depth > 10) return [];
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return optionsOf(def.innerType as AnySchema, depth + 1);
  switch (def.type) {
    case "enum":
      return Object.values(def.entries as Record<string, unknown>);
    case "literal":
      return [...(def.values as unknown[])];
    case "union":
      return (def.options as AnySchema[]).flatMap((o) => optionsOf(o, depth + 1));
    case "pipe":
      return [...optionsOf(def.in as AnySchema, depth + 1), ...optionsOf(def.out as AnySchema, depth + 1)];
    case "array":
      return optionsOf(def.element as AnySchema, depth + 1).map((o) => [o]);
    default:
      return [];
  }
}

/** The base type of a field's schema: "number", "boolean", "string", "array", ... */
function kindOf(schema: AnySchema, depth = 0): string {
  if (depth > 10) return "unknown";
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return kindOf(def.innerType as AnySchema, depth + 1);
  switch (def.type) {
    case "pipe": {
      const inner = kindOf(def.in as AnySchema, depth + 1);
      return inner === "unknown" || inner === "transform" ? kindOf(def.out as AnySchema, depth + 1) : inner;
    }
    default:
      return def.type;
  }
}

/** Every export of every app/**\/actions.ts: a new action is fuzzed without editing the test. */
export async function actionTargets(): Promise<ActionTarget[]> {
  const targets: ActionTarget[] = [];
  for (const file of findFiles("app", "actions.ts")) {
    const mod = (await import(file)) as Record<string, unknown>;
    const rel = path.relative(path.join(ROOT, "app"), file);
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function") continue;
      const definition = (value as unknown as Record<symbol, ActionDefinition | undefined>)[ACTION_DEFINITION];
      const shape = definition ? shapeOf(definition.input) : null;
      const options = Object.fromEntries(Object.entries(shape ?? {}).map(([k, s]) => [k, optionsOf(s)]));
      const kinds = Object.fromEntries(Object.entries(shape ?? {}).map(([k, s]) => [k, kindOf(s)]));
      targets.push({ id: `${rel}#${name}`, fn: value as ActionFn, definition, fields: Object.keys(shape ?? {}), options, kinds });
    }
  }
  return targets;
}

export type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response> | Response;

export interface RouteTarget {
  /** e.g. "GET /api/rollouts/[id]" */
  id: string;
  method: string;
  /** The route's path pattern, e.g. "/api/rollouts/[id]". */
  pattern: string;
  /** Dynamic segments: name and whether it is a catch-all. */
  params: { name: string; catchAll: boolean }[];
  handler: RouteHandler;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Every exported HTTP method of every route handler under app/api. */
export async function routeTargets(): Promise<RouteTarget[]> {
  const targets: RouteTarget[] = [];
  for (const file of findFiles("app/api", "route.ts")) {
    const mod = (await import(file)) as Record<string, unknown>;
    const pattern = `/${path.relative(path.join(ROOT, "app"), path.dirname(file)).split(path.sep).join("/")}`;
    const params = [...pattern.matchAll(/\[(\.\.\.)?([^\]]+)\]/g)].map((m) => ({ name: m[2]!, catchAll: Boolean(m[1]) }));
    for (const method of METHODS) {
      const handler = mod[method];
      if (typeof handler === "function") targets.push({ id: `${method} ${pattern}`, method, pattern, params, handler: handler as RouteHandler });
    }
  }
  return targets;
}
