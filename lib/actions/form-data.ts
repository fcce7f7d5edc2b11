/**
 * FormData to a plain object; a repeated key (checkbox group) becomes an array. Keys are always own
 * properties: a field named `__proto__` or `constructor` is a field, never the object's prototype
 * or an inherited value.
 */
export function formDataToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (key.startsWith("$ACTION")) continue;
    const v = typeof value === "string" ? value : value.name;
    const prev = Object.hasOwn(out, key) ? out[key] : undefined;
    const next = prev === undefined ? v : Array.isArray(prev) ? [...(prev as unknown[]), v] : [prev, v];
    Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
