/** Longest field name, and most names, an audit event keeps of a refused input. */
const NAME_CHARS = 40;
const MAX_NAMES = 20;

/**
 * Text safe to keep in the audit trail: control, format (RTL overrides, zero-width) and other
 * invisible characters removed, then cut to `max` characters with an ellipsis.
 */
export function clip(text: string, max: number): string {
  const clean = text.replace(/[\p{C}]/gu, "");
  const chars = Array.from(clean);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : clean;
}

/**
 * What a refusal's audit event says about the input: the names of the fields sent, never their
 * values (a password, a token, 10 MB of junk), cleaned and cut short. FormData and plain objects
 * give their keys; anything else its kind, e.g. "(array)" or "(string)".
 */
export function fieldNames(raw: unknown): string[] {
  let keys: string[];
  if (typeof FormData !== "undefined" && raw instanceof FormData) {
    keys = [...new Set(Array.from(raw.keys()).filter((k) => !k.startsWith("$ACTION")))];
  } else if (raw === null || raw === undefined) {
    return [];
  } else if (Array.isArray(raw)) {
    return ["(array)"];
  } else if (typeof raw === "object" && (Object.getPrototypeOf(raw) === Object.prototype || Object.getPrototypeOf(raw) === null)) {
    keys = Object.keys(raw);
  } else {
    return [`(${typeof raw === "object" ? (raw.constructor?.name ?? "object") : typeof raw})`];
  }
  const names = keys.slice(0, MAX_NAMES).map((k) => clip(k, NAME_CHARS));
  if (keys.length > MAX_NAMES) names.push(`(${keys.length - MAX_NAMES} more)`);
  return names;
}
