import type { Role } from "./roles";

/** A signed-in person as loaded from the database for one request. */
export interface Actor {
  /** When this session signed in (ms); approvals need a recent one (D4 re-authentication). */
  signedInAt?: number;
  kind: "user";
  id: number;
  email: string;
  name: string;
  roles: Role[];
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
