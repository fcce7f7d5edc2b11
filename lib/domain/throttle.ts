/**
 * Sign-in throttle (foundation issue): after `maxFailures` failures within `windowMs` for one
 * account from one address, that address is refused until the oldest of those failures leaves
 * the window. Refused tries are not failures, so the lockout always ends on its own.
 */
export function throttleUntil(
  failuresNewestFirst: readonly number[],
  now: number,
  maxFailures: number,
  windowMs: number,
): number | null {
  const inWindow = failuresNewestFirst.filter((at) => at > now - windowMs);
  if (inWindow.length < maxFailures) return null;
  const oldestCounted = inWindow[maxFailures - 1]!;
  return oldestCounted + windowMs;
}

export function throttleMessage(until: number, now: number): string {
  const minutes = Math.max(1, Math.ceil((until - now) / 60000));
  return `Too many failed sign-in attempts for this account from your address. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}
