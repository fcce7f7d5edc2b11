import "server-only";
import { bearerCredential } from "@/lib/domain/api-token";
import { type RequestAuth, authenticateToken } from "./authenticate-token";
import { currentActorState } from "./session";

// The token half lives in ./authenticate-token.ts (no session or Next.js imports: scripts and
// benchmarks use it too); re-exported here for route code.
export { TOKEN_REFUSAL_REASONS, type RequestAuth, type TokenRefusalReason, authenticateToken, noteTokenUse } from "./authenticate-token";

/**
 * The one entry point for route handlers (A3, A5): an `Authorization: Bearer` API token when the
 * request carries one, else the session cookie. Either way the person and their roles are read
 * from the database now, so a revoked role, a disabled account or a revoked token bites on the
 * very next call. Other Authorization schemes (a proxy's Basic) are left to the cookie.
 */
export async function authenticateRequest(req: Request, now = Date.now()): Promise<RequestAuth> {
  const credential = bearerCredential(req.headers.get("authorization"));
  if (credential === null) return currentActorState();
  return authenticateToken(credential, now);
}

