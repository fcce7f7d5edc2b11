import { hash } from "node:crypto";

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
      // defineProperty: an own "__proto__" key (from parsed input) stays a key instead of setting the prototype.
      if (v !== undefined) Object.defineProperty(out, key, { value: sortKeys(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The event's text made well-formed (a lone UTF-16 surrogate becomes U+FFFD) before it is hashed
 * and stored: SQLite's driver cannot store a lone surrogate as it is and reads back something else,
 * so a crafted e-mail at sign-in made the chain look edited (found by the fuzz test, issue 10).
 */
export function storableEvent<T extends ChainedFields>(e: T): T {
  const text = <S extends string | null>(s: S): S => (s === null ? s : s.replace(LONE_SURROGATE, "\uFFFD")) as S;
  return {
    ...e,
    actorLabel: text(e.actorLabel),
    roles: text(e.roles),
    action: text(e.action),
    subjectType: text(e.subjectType),
    subjectId: text(e.subjectId),
    environment: text(e.environment),
    details: text(e.details),
    requestId: text(e.requestId),
  };
}

/** sha256 over the previous hash and the event's canonical encoding (a JSON array, fixed order). */
export function hashEvent(e: ChainedFields): string {
  return hashLink(e.prevHash, [
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
}

/** The hash of one link: the fields are the 11 chained columns in table order. */
export function hashLink(prevHash: string, fields: readonly unknown[]): string {
  return hash("sha256", `${prevHash}\n${JSON.stringify(fields)}`);
}

export type ChainBreak = { id: number; reason: string };

/**
 * Walks events in id order and returns the first break, or null when intact. Pure: the caller
 * streams rows in. Detects edited rows (hash mismatch), deleted rows (prev-hash mismatch on the
 * next row) and re-linked chains (stored prev-hash differs from the previous row's hash).
 */
export function createChainVerifier(from: { id: number; hash: string } = { id: 0, hash: GENESIS_HASH }) {
  let expectedPrev = from.hash;
  let lastId = from.id;
  let count = 0;
  return {
    push(e: ChainedFields & { hash: string }): ChainBreak | null {
      return this.pushRow([e.id, e.createdAt, e.actorId, e.actorLabel, e.roles, e.action, e.subjectType, e.subjectId, e.environment, e.details, e.requestId, e.prevHash, e.hash]);
    },
    /** A row as stored: the 11 chained columns, then prev_hash and hash (the fast path for a million rows). */
    pushRow(row: readonly unknown[]): ChainBreak | null {
      count++;
      const id = row[0] as number;
      if (row[11] !== expectedPrev) {
        const gap = id !== lastId + 1 ? ` (event #${lastId + 1} is missing)` : "";
        return { id, reason: `previous-hash link does not match event #${lastId}${gap}` };
      }
      const stored = row[12] as string;
      if (hashLink(expectedPrev, row.slice(0, 11)) !== stored) return { id, reason: "content does not match its hash (event was edited)" };
      expectedPrev = stored;
      lastId = id;
      return null;
    },
    get count() {
      return count;
    },
    get lastHash() {
      return expectedPrev;
    },
    get lastId() {
      return lastId;
    },
  };
}
