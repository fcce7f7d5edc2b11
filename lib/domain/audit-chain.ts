import { createHash } from "node:crypto";

/** Hash that precedes the first event of the chain. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields of an audit event that the chain protects, exactly as stored. */
export interface ChainedFields {
  id: number;
  createdAt: number;
  actorId: number | null;
  actorLabel: string;
  roles: string; // JSON array text
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  environment: string | null;
  details: string; // canonical JSON text
  requestId: string | null;
  prevHash: string;
}

/** JSON with object keys sorted at every depth, so equal data always hashes equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  // Dates and other values with toJSON serialise as JSON.stringify would (e.g. ISO text).
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** sha256 over the previous hash and the event's canonical encoding (a JSON array, fixed order). */
export function hashEvent(e: ChainedFields): string {
  const body = JSON.stringify([
    e.id,
    e.createdAt,
    e.actorId,
    e.actorLabel,
    e.roles,
    e.action,
    e.subjectType,
    e.subjectId,
    e.environment,
    e.details,
    e.requestId,
  ]);
  return createHash("sha256").update(e.prevHash).update("\n").update(body).digest("hex");
}

export type ChainBreak = { id: number; reason: string };

/**
 * Walks events in id order and returns the first break, or null when intact. Pure: the caller
 * streams rows in. Detects edited rows (hash mismatch), deleted rows (prev-hash mismatch on the
 * next row) and re-linked chains (stored prev-hash differs from the previous row's hash).
 */
export function createChainVerifier() {
  let expectedPrev = GENESIS_HASH;
  let lastId = 0;
  let count = 0;
  return {
    push(e: ChainedFields & { hash: string }): ChainBreak | null {
      count++;
      if (e.prevHash !== expectedPrev) {
        const gap = e.id !== lastId + 1 ? ` (event #${lastId + 1} is missing)` : "";
        return { id: e.id, reason: `previous-hash link does not match event #${lastId}${gap}` };
      }
      if (hashEvent(e) !== e.hash) return { id: e.id, reason: "content does not match its hash (event was edited)" };
      expectedPrev = e.hash;
      lastId = e.id;
      return null;
    },
    get count() {
      return count;
    },
    get lastHash() {
      return expectedPrev;
    },
  };
}
