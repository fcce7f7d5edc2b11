import { parseTemplate } from "../notifications/templates";

/**
 * JSON body templates of outgoing hooks (step hooks, the external-flag hook). Same `{{variable}}`
 * syntax as chat templates; values are JSON-escaped so a quoted placeholder stays one JSON string
 * whatever a version or a name contains, and the result must be JSON (checked with sample values).
 */

/** Why `body` cannot be a body template with these variables, or null. */
export function jsonTemplateError(body: string, allowed: readonly string[], sample: Readonly<Record<string, string>>): string | null {
  const parsed = parseTemplate(body);
  if (!parsed.ok) return parsed.error;
  const unknown = [...new Set(parsed.pieces.flatMap((p) => ("variable" in p && !allowed.includes(p.variable) ? [p.variable] : [])))];
  if (unknown.length) {
    const names = unknown.map((v) => `{{${v}}}`).join(", ");
    return `Unknown variable${unknown.length > 1 ? "s" : ""} ${names}: the body can use ${allowed.map((v) => `{{${v}}}`).join(", ")}.`;
  }
  try {
    JSON.parse(renderJsonTemplate(body, sample));
  } catch {
    return 'The body must be JSON once its variables are filled in: quote text variables, e.g. {"service": "{{service}}", "weight": {{weight}}}.';
  }
  return null;
}

/** JSON-escapes a value for use inside (or as) a JSON literal: `a"b` -> `a\"b`; numbers stay numbers. */
const escape = (v: string) => JSON.stringify(v).slice(1, -1);

/** The body: each variable replaced by its JSON-escaped value (absent ones by an empty string). */
export function renderJsonTemplate(body: string, variables: Readonly<Record<string, string | null | undefined>>): string {
  const parsed = parseTemplate(body);
  // Stored templates were validated; a broken one is sent as written rather than not at all.
  if (!parsed.ok) return body;
  return parsed.pieces.map((p) => ("text" in p ? p.text : escape(variables[p.variable] ?? ""))).join("");
}
