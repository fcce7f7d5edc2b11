/** Sends `n` sequential requests through a router and counts answers per version (x-version header). */
export async function versionsSeen(port: number, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/api/x`);
    await res.arrayBuffer();
    const v = res.headers.get("x-version") ?? String(res.status);
    seen[v] = (seen[v] ?? 0) + 1;
  }
  return seen;
}
