/**
 * Polls `fn` every 50 ms until it returns something other than undefined, or fails after `ms`.
 * With `retryOnError`, a throwing poll (a server not up yet) counts as "not yet".
 */
export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 30_000, opts: { retryOnError?: boolean } = {}): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let v: T | undefined;
    try {
      v = await fn();
    } catch (err) {
      if (!opts.retryOnError) throw err;
      v = undefined;
    }
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
