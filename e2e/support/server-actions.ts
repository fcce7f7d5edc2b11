import { readFileSync } from "node:fs";
import path from "node:path";
import { type APIRequestContext, type APIResponse } from "@playwright/test";

interface ManifestEntry {
  filename: string;
  exportedName: string;
}

/**
 * The id of a server action in the build being served, from Next's
 * .next/server/server-reference-manifest.json (what the client bundle sends as `Next-Action`).
 */
export function serverActionId(filename: string, exportedName: string): string {
  const file = path.join(import.meta.dirname, "..", "..", ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { node: Record<string, ManifestEntry> };
  const found = Object.entries(manifest.node).filter(([, e]) => e.exportedName === exportedName && e.filename === filename);
  if (found.length !== 1) throw new Error(`server action ${filename}#${exportedName}: ${found.length} entries in the manifest`);
  return found[0]![0];
}

export type ActionArgsEncoding = "json" | "multipart";

/**
 * Calls a `(prev, payload)` server action the way Next's client runtime does: POST to a page with
 * the `Next-Action` header. "json" sends the argument list as React reply text; "multipart" sends
 * FormData exactly as a browser form submit through useActionState does (fields `_1_<name>`,
 * root `0` = `[null,"$K1"]`, which must come last).
 */
export async function invokeServerAction(
  request: APIRequestContext,
  opts: {
    page: string;
    actionId: string;
    origin: string;
    fields: Record<string, string | string[]>;
    encoding: ActionArgsEncoding;
    /** More request headers (e.g. a forged X-Forwarded-Host). */
    headers?: Record<string, string>;
  },
): Promise<APIResponse> {
  const headers = { ...opts.headers, "Next-Action": opts.actionId, Accept: "text/x-component", Origin: opts.origin };
  if (opts.encoding === "json") {
    return request.post(opts.page, {
      headers: { ...headers, "Content-Type": "text/plain;charset=UTF-8" },
      data: JSON.stringify([null, opts.fields]),
    });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(opts.fields)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(`_1_${name}`, v);
  }
  form.append("0", JSON.stringify([null, "$K1"]));
  return request.post(opts.page, { headers, multipart: form });
}

/** The action's return value out of the RSC (flight) response: the row that carries `ok`. */
export function actionResultOf(body: string): { ok: boolean; code?: string; message?: string; fieldErrors?: Record<string, string[]> } {
  for (const line of body.split("\n")) {
    const m = /^[0-9a-f]+:(\{.*\})$/.exec(line);
    if (!m) continue;
    const value = JSON.parse(m[1]!) as Record<string, unknown>;
    if (typeof value.ok === "boolean") return value as ReturnType<typeof actionResultOf>;
  }
  throw new Error(`no action result in response: ${body.slice(0, 500)}`);
}
