import type { Role } from "./roles";
import type { TokenScope } from "./token-scopes";

/**
 * How a request authenticated when it was not a browser session: an API token (A5). Its owner's
 * roles still come from the database on every call; the token only narrows them (scopes) and may
 * pin the environment it acts on.
 */
export interface TokenVia {
  kind: "token";
  tokenId: number;
  scopes: readonly TokenScope[];
  /** The only environment this token may act on; null: any. */
  environment: string | null;
}

/** A signed-in person as loaded from the database for one request. */
export interface Actor {
  /** When this session signed in (ms); approvals need a recent one (D4 re-authentication). */
  signedInAt?: number;
  kind: "user";
  id: number;
  email: string;
  name: string;
  roles: Role[];
  /** Set when the request came with an API token instead of a session cookie. */
  via?: TokenVia;
}

/**
 * The system itself (seed, worker, scheduler) acting without a person; "anonymous" is a caller
 * without a session whose refused request is audited (with its client address).
 */
export interface SystemActor {
  kind: "system";
  label: "system" | "worker" | "analysis" | "anonymous";
}

export type AnyActor = Actor | SystemActor;

export function actorLabel(actor: AnyActor): string {
  return actor.kind === "user" ? actor.email : actor.label;
}
