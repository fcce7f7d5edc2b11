import type { SmokeResult } from "./types";

/**
 * Smoke checks (REQUIREMENTS C4): every URL must answer 200 within the timeout and, when asked,
 * carry the expected version in its body. Run before any traffic shift and before promotion.
 */
export async function runSmoke(urls: string[], opts: { timeoutMs: number; expectInBody?: string }): Promise<SmokeResult> {
  const checks = await Promise.all(
    urls.map(async (url) => {
      const started = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
        const body = await res.text();
        const ms = Math.round(performance.now() - started);
        if (res.status !== 200) return { url, status: res.status, ms, ok: false, detail: `HTTP ${res.status}` };
        if (opts.expectInBody && !body.includes(opts.expectInBody)) return { url, status: 200, ms, ok: false, detail: `body does not mention ${opts.expectInBody}` };
        return { url, status: 200, ms, ok: true, detail: "HTTP 200" };
      } catch (err) {
        const ms = Math.round(performance.now() - started);
        const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        return { url, status: null, ms, ok: false, detail: timedOut ? `no answer within ${opts.timeoutMs} ms` : `unreachable (${err instanceof Error ? err.message : String(err)})` };
      }
    }),
  );
  return { ok: checks.every((c) => c.ok), checks };
}

export function describeSmoke(r: SmokeResult): string {
  return r.checks.map((c) => `${c.url}: ${c.detail} (${c.ms} ms)`).join("; ");
}
