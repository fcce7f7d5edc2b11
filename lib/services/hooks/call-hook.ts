import "server-only";
import type { HookAttempt } from "@/lib/domain/hooks/step-hooks";
import { clipAnswer } from "@/lib/domain/hooks/step-hooks";

/** The network error in a few words; never the URL (it may carry a secret). */
function networkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.name : "network error";
}

/**
 * One outgoing hook call (never inside a transaction), bounded by `timeoutMs` and by `signal`
 * (the job's lease). Redirects are not followed. Keeps the start of the answer for the log.
 */
export async function callHook(url: string, req: { method: string; body?: string }, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<HookAttempt> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, {
      method: req.method,
      headers: req.body === undefined ? { accept: "application/json, text/plain" } : { "content-type": "application/json", accept: "application/json, text/plain" },
      body: req.body,
      redirect: "manual",
      signal,
    });
    const answer = await res.text().catch(() => "");
    return { kind: "response", status: res.status, answer: clipAnswer(answer) };
  } catch (err) {
    return { kind: "network", error: networkError(err, opts.timeoutMs) };
  }
}
