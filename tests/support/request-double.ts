/**
 * The request as server actions and route handlers see it, doubled at the external boundary only:
 * next-auth's getServerSession (who is signed in), next/headers (the client address, origin) and
 * next/cache's revalidatePath (no Next server here). Nothing of Flightdeck's own code is mocked.
 *
 * In a test file:
 *   vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: sessionDouble }));
 *   vi.mock("next/headers", () => ({ headers: headersDouble, cookies: cookiesDouble }));
 *   vi.mock("next/cache", () => ({ revalidatePath: revalidateDouble, revalidateTag: revalidateDouble }));
 * (the factories import these from this module with `await import`).
 */
export interface RequestState {
  /** The signed-in user id, or null for a caller without a session. */
  userId: number | null;
  address: string;
  host: string;
  revalidated: string[];
}

const KEY = Symbol.for("flightdeck.test.request");
const holder = globalThis as unknown as Record<symbol, RequestState | undefined>;

export function request(): RequestState {
  return (holder[KEY] ??= { userId: null, address: "203.0.113.7", host: "localhost:3000", revalidated: [] });
}

/** Signs in as `userId` (null: nobody) for the next calls, from `address`. */
export function actAs(userId: number | null, address = "203.0.113.7"): void {
  const r = request();
  r.userId = userId;
  r.address = address;
}

export function sessionDouble(): Promise<unknown> {
  const { userId } = request();
  return Promise.resolve(userId === null ? null : { userId: String(userId), authTime: Date.now(), expires: new Date(Date.now() + 3600_000).toISOString() });
}

/** Request headers of a same-origin browser request behind Next's server (X-Forwarded-For appended). */
export function headersDouble(): Promise<Headers> {
  const r = request();
  return Promise.resolve(
    new Headers({ host: r.host, origin: `http://${r.host}`, "x-forwarded-host": r.host, "x-forwarded-proto": "http", "x-forwarded-for": r.address, "next-action": "test" }),
  );
}

export function cookiesDouble(): Promise<{ get: () => undefined; getAll: () => never[]; has: () => boolean }> {
  return Promise.resolve({ get: () => undefined, getAll: () => [], has: () => false });
}

export function revalidateDouble(path: string): void {
  request().revalidated.push(path);
}
