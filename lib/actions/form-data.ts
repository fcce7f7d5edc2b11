/** FormData to a plain object; a repeated key (checkbox group) becomes an array. */
export function formDataToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (key.startsWith("$ACTION")) continue;
    const v = typeof value === "string" ? value : value.name;
    const prev = out[key];
    if (prev === undefined) out[key] = v;
    else out[key] = Array.isArray(prev) ? [...(prev as unknown[]), v] : [prev, v];
  }
  return out;
}
