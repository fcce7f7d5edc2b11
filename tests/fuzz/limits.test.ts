import { describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { replayAnalysisInput } from "@/lib/domain/analysis/replay";
import { overrideInputSchema } from "@/lib/domain/policy/overrides";
import { windowInputSchema } from "@/lib/domain/windows/calendar";
import { actionTargets } from "./targets";

// Importing the actions needs next/headers and next-auth only as modules; nothing is called here.
vi.mock("next/headers", () => ({ headers: () => Promise.resolve(new Headers()), cookies: () => Promise.resolve({}) }));

type AnySchema = z.core.$ZodType;
type Def = Record<string, unknown> & { type: string; checks?: { _zod: { def: { check: string } } }[] };

/**
 * Paths of text inputs without an upper bound: a string schema with no max length (or exact
 * length, or anchored pattern). Walks every wrapper and container zod has; record keys are left
 * out (they are field names, bounded by the body).
 */
function unboundedStrings(schema: AnySchema, path = "", depth = 0): string[] {
  if (depth > 40) return [];
  const def = schema._zod.def as unknown as Def;
  const child = (s: unknown, p: string) => (s ? unboundedStrings(s as AnySchema, p, depth + 1) : []);
  switch (def.type) {
    case "string": {
      const checks = (def.checks ?? []).map((c) => c._zod.def.check);
      const bounded = checks.some((c) => c === "max_length" || c === "length_equals" || c === "string_format");
      return bounded ? [] : [path || "(root)"];
    }
    case "object":
      return Object.entries(def.shape as Record<string, AnySchema>).flatMap(([k, s]) => child(s, path ? `${path}.${k}` : k));
    case "array":
      return child(def.element, `${path}[]`);
    case "record":
      return child(def.valueType, `${path}{}`);
    case "tuple":
      return (def.items as AnySchema[]).flatMap((s, i) => child(s, `${path}[${i}]`));
    case "union":
      return (def.options as AnySchema[]).flatMap((s) => child(s, path));
    case "intersection":
      return [...child(def.left, path), ...child(def.right, path)];
    case "pipe": {
      // Text trimmed or lower-cased before its bounded check (z.string().trim().pipe(z.email().max(320))) is bounded.
      const out = child(def.out, path);
      const outIsBoundedText = (def.out as AnySchema)._zod.def.type === "string" && out.length === 0;
      return [...(outIsBoundedText ? [] : child(def.in, path)), ...out];
    }
    case "lazy":
      return child((def.getter as () => AnySchema)(), path);
    default:
      return "innerType" in def ? child(def.innerType, path) : [];
  }
}

describe("every free-text input has a maximum (issue 10)", () => {
  it("in every action's schema and in the schemas services validate themselves", async () => {
    const schemas: [string, AnySchema][] = [
      ...(await actionTargets()).flatMap((t) => (t.definition ? [[t.id, t.definition.input] as [string, AnySchema]] : [])),
      ["overrideInputSchema", overrideInputSchema],
      ["windowInputSchema", windowInputSchema],
      ["replayAnalysisInput", replayAnalysisInput],
    ];
    const unbounded = schemas.flatMap(([name, s]) => unboundedStrings(s).map((p) => `${name}: ${p}`));
    expect(unbounded).toEqual([]);
  });
});
