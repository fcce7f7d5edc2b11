import "server-only";
import { type Executor, type Tx, getDb } from "@/db/client";
import { findUserByEmail, recentFailures, recordSignInAttempt, rolesOfUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { recordRefusal } from "@/lib/audit/refusal";
import type { AnyActor } from "@/lib/domain/actor";
import { verifyPassword } from "@/lib/domain/password";
import { throttleMessage, throttleUntil } from "@/lib/domain/throttle";
import { demoMode, env } from "@/lib/env";

export type SignInOutcome = { ok: true; userId: number } | { ok: false; message: string };

const WRONG = "Email or password is incorrect.";

/** Checks a password sign-in under the throttle; every outcome is recorded and audited. */
export async function signInWithPassword(
  input: { email: string; password: string; address: string },
  now = Date.now(),
): Promise<SignInOutcome> {
  const db = getDb();
  const email = input.email.trim().toLowerCase();
  const { SIGNIN_MAX_FAILURES, SIGNIN_WINDOW_MINUTES } = env();
  const windowMs = SIGNIN_WINDOW_MINUTES * 60_000;

  const throttledAt = (ex: Executor) => throttleUntil(recentFailures(ex, email, input.address, now - windowMs), now, SIGNIN_MAX_FAILURES, windowMs);
  // Refused attempts are audited under the refusal rate cap, per client address (issue 10): a flood
  // of guesses cannot fill the trail; the attempts themselves are still counted for the throttle.
  const refusalOpts = { code: "UNAUTHENTICATED", attempted: "auth.sign_in", address: input.address, at: now, byAddress: true };
  const refuseThrottled = (tx: Tx, until: number): SignInOutcome => {
    recordRefusal(
      db,
      tx,
      {
        actor: { kind: "system", label: "system" },
        action: "auth.sign_in_throttled",
        subjectType: "account",
        subjectId: email,
        details: { email, address: input.address, retryAt: new Date(until).toISOString() },
      },
      refusalOpts,
    );
    return { ok: false, message: throttleMessage(until, now) };
  };

  const early = throttledAt(db);
  if (early !== null) return writeTransaction(db, (tx) => refuseThrottled(tx, early));

  const user = findUserByEmail(db, email);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash);
  let refusal: string | null = null;
  if (!user || !passwordOk) refusal = WRONG;
  else if (user.disabled) refusal = "This account is disabled. Ask an administrator to enable it.";
  else if (user.demo && !demoMode()) refusal = "Demo accounts can only sign in while demo mode is on.";

  const actor: AnyActor = user
    ? { kind: "user", id: user.id, email: user.email, name: user.name, roles: [] }
    : { kind: "system", label: "system" };
  return writeTransaction(db, (tx) => {
    // Checked again under the write lock: parallel guesses that all passed the early check while
    // their hashes ran cannot add up to more than the limit.
    const late = throttledAt(tx);
    if (late !== null) return refuseThrottled(tx, late);
    // Every refused attempt counts toward the throttle, whatever the reason.
    recordSignInAttempt(tx, { email, address: input.address, success: refusal === null, at: now });
    if (refusal === null) {
      recordAudit(tx, { actor, roles: user ? rolesOfUser(tx, user.id) : [], action: "auth.sign_in", subjectType: "account", subjectId: email, details: { method: "password", address: input.address }, at: now });
    } else {
      recordRefusal(db, tx, { actor, roles: [], action: "auth.sign_in_failed", subjectType: "account", subjectId: email, details: { method: "password", address: input.address, reason: refusal } }, refusalOpts);
    }
    return refusal === null && user ? { ok: true, userId: user.id } : { ok: false, message: refusal ?? WRONG };
  });
}
