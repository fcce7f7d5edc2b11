import type { Db, Tx } from "@/db/connection";
import { writeTransaction } from "@/db/transaction";
import { type AnyActor, actorLabel } from "@/lib/domain/actor";
import { env } from "@/lib/env";
import { REFUSAL_CAP, RefusalCap, type RefusalCapOptions, type SuppressedSummary } from "@/lib/domain/refusal-cap";
import type { AppError } from "@/lib/errors";
import { type AuditInput, recordAudit } from "./record";

/**
 * A refusal that must itself be audited (a policy block, a separation-of-duties refusal):
 * thrown inside a transaction, it rolls back every change, then the audit event is written
 * on its own and the AppError reaches the caller. Nothing but the audit event changes.
 */
export class AuditedRefusal extends Error {
  constructor(
    readonly error: AppError,
    readonly audit: AuditInput,
  ) {
    super(error.message);
  }
}

/**
 * writeTransaction that turns an AuditedRefusal into "audit event only (under the refusal rate
 * cap), then the error", the error marked as audited so that defineAction does not audit it again.
 */
export function refusableTransaction<T>(db: Db, fn: (tx: Tx) => T): T {
  try {
    return writeTransaction(db, fn);
  } catch (err) {
    if (!(err instanceof AuditedRefusal)) throw err;
    const at = err.audit.at ?? Date.now();
    writeTransaction(db, (tx) => recordRefusal(db, tx, err.audit, { code: err.error.code, attempted: err.audit.action, at }));
    err.error.audited = true;
    throw err.error;
  }
}

/** Who a refusal (and the summary of its suppressed siblings) is attributed to. */
export interface RefusalSubject {
  actor: AnyActor;
  address?: string;
}

interface CapState {
  cap: RefusalCap<RefusalSubject>;
  timer: ReturnType<typeof setTimeout> | null;
}

// One cap per database and process (modules are evaluated several times per Next process,
// DESIGN section 5, hence globalThis); tests get a fresh cap with each fresh database.
const CAP_KEY = Symbol.for("flightdeck.refusalCaps");
const holder = globalThis as unknown as Record<symbol, { caps: WeakMap<Db, CapState>; options: RefusalCapOptions } | undefined>;

function caps() {
  return (holder[CAP_KEY] ??= { caps: new WeakMap(), options: { ...REFUSAL_CAP, limit: env().AUDIT_REFUSALS_PER_MINUTE } });
}

function capState(db: Db): CapState {
  const all = caps();
  let state = all.caps.get(db);
  if (!state) {
    state = { cap: new RefusalCap<RefusalSubject>(all.options), timer: null };
    all.caps.set(db, state);
  }
  return state;
}

/** The refusal rate cap of this database. */
export function refusalCap(db: Db): RefusalCap<RefusalSubject> {
  return capState(db).cap;
}

/** A new, empty cap for `db` (tests; another limit or window for this and later databases). */
export function resetRefusalCap(db: Db, options: RefusalCapOptions = REFUSAL_CAP): RefusalCap<RefusalSubject> {
  const all = caps();
  const old = all.caps.get(db);
  if (old?.timer) clearTimeout(old.timer);
  all.options = options;
  all.caps.delete(db);
  return capState(db).cap;
}

/** The rate cap's key: the person when known (also a disabled one), else the client address. */
export function refusalKey(actor: AnyActor, address?: string): string | null {
  if (actor.kind === "user") return `user:${actor.id}`;
  if (actor.label === "anonymous") return `address:${address ?? "unknown"}`;
  // The system's own refusals (worker, analysis) are never capped: they are not a flood from outside.
  return null;
}

/**
 * Appends a refusal's audit event inside `tx`, under the rate cap: within a window the first
 * `limit` refusals of a key are written, later ones only counted; summaries of closed windows
 * are written first. Returns whether this refusal got its own event.
 */
export function recordRefusal(
  db: Db,
  tx: Tx,
  audit: AuditInput,
  opts: { code: string; attempted: string; address?: string; at: number; byAddress?: boolean },
): "recorded" | "suppressed" {
  // byAddress: the caller is the client address, whoever the event names (a sign-in against someone's account).
  const subject: RefusalSubject = opts.byAddress ? { actor: { kind: "system", label: "anonymous" }, address: opts.address } : { actor: audit.actor, address: opts.address };
  const key = refusalKey(subject.actor, opts.address);
  if (key === null) {
    recordAudit(tx, { ...audit, at: opts.at });
    return "recorded";
  }
  const cap = refusalCap(db);
  const { write, due } = cap.admit(key, subject, opts.at, { code: opts.code, action: opts.attempted });
  recordSuppressedSummaries(tx, cap.options, due, opts.at);
  if (!write) {
    scheduleSummaries(db);
    return "suppressed";
  }
  recordAudit(tx, { ...audit, at: opts.at });
  return "recorded";
}

/** One `audit.refusals_suppressed` event per closed window: the count, the window, codes and actions. */
function recordSuppressedSummaries(tx: Tx, options: RefusalCapOptions, due: readonly SuppressedSummary<RefusalSubject>[], at: number): void {
  const { limit, windowMs } = options;
  for (const s of due) {
    recordAudit(tx, {
      // The person, not the token of the window's first refusal: the count covers all their refusals.
      actor: s.subject.actor.kind === "user" ? { ...s.subject.actor, via: undefined } : s.subject.actor,
      roles: [],
      action: "audit.refusals_suppressed",
      subjectType: "refusals",
      subjectId: s.key,
      details: {
        count: s.count,
        limit,
        window: { from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString(), seconds: windowMs / 1000 },
        codes: s.codes,
        actions: s.actions,
        ...(s.subject.address ? { address: s.subject.address } : {}),
        who: actorLabel(s.subject.actor),
      },
      at,
    });
  }
}

/** Writes the summaries of every window closed by `now` (the timer below, tests, shutdown). */
export function flushRefusalSummaries(db: Db, now = Date.now()): number {
  const cap = refusalCap(db);
  const due = cap.due(now);
  if (due.length) writeTransaction(db, (tx) => recordSuppressedSummaries(tx, cap.options, due, now));
  return due.length;
}

/**
 * A window that suppressed refusals gets its summary when it closes, even if no further refusal
 * arrives: one unref'd timer per process, set for the earliest such window. A crash before then
 * loses that window's count (the first `limit` refusals of it are in the trail already).
 */
export function scheduleSummaries(db: Db): void {
  const state = capState(db);
  const next = state.cap.nextDueAt();
  if (next === null || state.timer) return;
  state.timer = setTimeout(
    () => {
      state.timer = null;
      // A closed connection (a finished test's database) has nobody left to tell.
      if (!db.$client.open) return;
      try {
        flushRefusalSummaries(db);
      } catch (err) {
        console.error("[audit] could not write refusal summaries", err);
      }
      scheduleSummaries(db);
    },
    Math.max(0, next - Date.now()) + 50,
  );
  state.timer.unref?.();
}
