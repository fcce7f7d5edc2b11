import { z } from "zod";
import { readablePath } from "./input-messages";

/** Longest JSON text a form field takes: far above any real config, far below a 1 MB request body. */
export const JSON_TEXT_MAX = 100_000;

/**
 * A form field holding JSON text, parsed and validated by `schema`; every error names its place
 * inside the JSON in words ("Rule 3, threshold: ...") so the person editing it knows where to look.
 * `emptyAs`: the value an empty field stands for (none: empty text is invalid JSON).
 */
export function jsonTextSchema<S extends z.ZodType>(schema: S, what: string, opts: { emptyAs?: unknown; maxChars?: number } = {}) {
  const max = opts.maxChars ?? JSON_TEXT_MAX;
  return z.string().max(max, `${what}: at most ${max.toLocaleString("en-US")} characters.`).transform((text, ctx): z.output<S> => {
    let value: unknown;
    try {
      value = text.trim() === "" && "emptyAs" in opts ? opts.emptyAs : JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: `${what} must be valid JSON.` });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        // A top-level list names its items by `what`: [0, "kind"] in "Migrations" -> "Migration 1, kind".
        const path = typeof issue.path[0] === "number" ? [what.toLowerCase(), ...issue.path] : issue.path;
        const where = issue.path.length ? `${readablePath(path)}: ` : "";
        ctx.addIssue({ code: "custom", message: `${where}${issue.message}` });
      }
      return z.NEVER;
    }
    return parsed.data;
  });
}

/**
 * An optional JSON body template of an outgoing HTTP call (step hooks, the external flag service):
 * trimmed, at most 4,000 characters, empty = none (null), checked by `errorOf` (variables, JSON).
 */
export const bodyTemplateField = (errorOf: (body: string) => string | null) =>
  z
    .string()
    .trim()
    .max(4000, "Use at most 4,000 characters.")
    .nullish()
    .transform((v) => v || null)
    .superRefine((v, ctx) => {
      const error = v === null ? null : errorOf(v);
      if (error) ctx.addIssue({ code: "custom", message: error });
    });
