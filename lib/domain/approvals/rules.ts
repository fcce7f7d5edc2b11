import { z } from "zod";
import { ROLE_LABELS, type Role } from "@/lib/domain/roles";

export const APPROVAL_KINDS = ["production", "hotfix", "smoke", "migration"] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
export const approvalKindSchema = z.enum(APPROVAL_KINDS);

export const APPROVAL_STATUSES = ["pending", "approved", "rejected", "expired", "void"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export const approvalStatusSchema = z.enum(APPROVAL_STATUSES);

export const REAUTH_WINDOW_MS = 15 * 60_000;
export const DEFAULT_APPROVAL_TTL_MS = 24 * 3600_000;
export const POSTMORTEM_DUE_MS = 24 * 3600_000;

export interface ApprovalRecord {
  id: number;
  role: Role;
  kind: ApprovalKind;
  status: ApprovalStatus;
  approverId: number | null;
  fingerprint: string | null;
  decidedAt: number | null;
  expiresAt: number | null;
}

export interface ReleaseFacts {
  id: number;
  createdBy: number;
  drivers: readonly number[] /* users who started its rollouts */;
  hotfix: boolean;
  sev1: boolean;
  fingerprint: string /* current */;
  contractMigrations: number;
}

export const APPROVAL_MESSAGES = {
  sentinel: "Governance Sentinel approval",
  secondSentinel: "a second, different Governance Sentinel",
  serviceOwner: "Service owner approval",
  migration: "Feature owner sign-off of the contract migrations",
  missingRole: (role: Role): string => `You need the ${ROLE_LABELS[role]} role to decide this approval.`,
  separationOfDuties: "You created or drove this release; separation of duties forbids approving it.",
  alreadyDecided: (status: ApprovalStatus): string => `This approval is already ${status}.`,
  countsOnce: "You already approved this release; one person counts once.",
  expired: "This approval request expired; request a new one.",
  changed: "The release changed since this approval was requested; the request is void.",
  reauth: "Sign in again (within the last 15 minutes) to approve.",
} as const;

/** One slot a distinct person must fill; `kinds` are the approval kinds that count for it. */
interface Slot {
  role: Role;
  kinds: readonly ApprovalKind[];
  missing: string;
}

// A hotfix may also be carried by production-kind sentinel approvals: the role is what D2 counts.
const SENTINEL_KINDS: readonly ApprovalKind[] = ["production", "hotfix"];

function slotsFor(release: Pick<ReleaseFacts, "hotfix" | "contractMigrations">): Slot[] {
  const slots: Slot[] = release.hotfix
    ? [
        { role: "sentinel", kinds: SENTINEL_KINDS, missing: APPROVAL_MESSAGES.sentinel },
        { role: "sentinel", kinds: SENTINEL_KINDS, missing: APPROVAL_MESSAGES.secondSentinel },
      ]
    : [
        { role: "sentinel", kinds: SENTINEL_KINDS, missing: APPROVAL_MESSAGES.sentinel },
        { role: "service_owner", kinds: ["production"], missing: APPROVAL_MESSAGES.serviceOwner },
      ];
  if (release.contractMigrations > 0) slots.push({ role: "feature_owner", kinds: ["migration"], missing: APPROVAL_MESSAGES.migration });
  return slots;
}

/** Approved, unexpired, for the current fingerprint, and not by the creator or a driver (A4). */
export function countsForRelease(a: ApprovalRecord, release: ReleaseFacts, now: number): a is ApprovalRecord & { approverId: number } {
  return (
    a.status === "approved" &&
    a.approverId !== null &&
    a.fingerprint === release.fingerprint &&
    (a.expiresAt === null || a.expiresAt > now) &&
    a.approverId !== release.createdBy &&
    !release.drivers.includes(a.approverId)
  );
}

/** What the release still needs before production (D1, D2, D3): normal = one sentinel + one service_owner, distinct people; hotfix = two distinct sentinels (governance board). Counts only approved, unexpired approvals whose fingerprint equals the current one; one person counts once even with two roles (A4); creator/drivers never count. */
export function approvalStatus(
  release: ReleaseFacts,
  approvals: readonly ApprovalRecord[],
  now: number,
): {
  satisfied: boolean;
  approvedBy: { role: Role; approverId: number }[];
  missing: string[];
  /** Two distinct sentinels approved (the freeze exception of F1 needs it). */
  hotfixBoardApproved: boolean;
} {
  const valid = approvals.filter((a) => countsForRelease(a, release, now));
  const slots = slotsFor(release);
  // Assign distinct people to slots by augmenting paths (a tiny bipartite matching): a greedy
  // pass could give a sentinel+owner person the sentinel slot when only they can fill the other.
  const candidates = slots.map((s) => [...new Set(valid.filter((a) => a.role === s.role && s.kinds.includes(a.kind)).map((a) => a.approverId))]);
  const slotOf = new Map<number, number>(); // person -> slot
  const filled: (number | undefined)[] = slots.map(() => undefined);
  const tryAssign = (slot: number, seen: Set<number>): boolean => {
    for (const person of candidates[slot] ?? []) {
      if (seen.has(person)) continue;
      seen.add(person);
      const other = slotOf.get(person);
      if (other === undefined || tryAssign(other, seen)) {
        slotOf.set(person, slot);
        filled[slot] = person;
        return true;
      }
    }
    return false;
  };
  slots.forEach((_, i) => tryAssign(i, new Set()));

  const approvedBy: { role: Role; approverId: number }[] = [];
  const missing: string[] = [];
  slots.forEach((s, i) => {
    const person = filled[i];
    if (person === undefined) missing.push(s.missing);
    else approvedBy.push({ role: s.role, approverId: person });
  });
  // Missing hotfix sentinels read "first, then second" whichever slot the matching left empty.
  if (release.hotfix) {
    const sentinels = approvedBy.filter((a) => a.role === "sentinel").length;
    const rest = missing.filter((m) => m !== APPROVAL_MESSAGES.sentinel && m !== APPROVAL_MESSAGES.secondSentinel);
    const head = sentinels === 0 ? [APPROVAL_MESSAGES.sentinel, APPROVAL_MESSAGES.secondSentinel] : sentinels === 1 ? [APPROVAL_MESSAGES.secondSentinel] : [];
    missing.splice(0, missing.length, ...head, ...rest);
  }
  const sentinelPeople = new Set(valid.filter((a) => a.role === "sentinel" && SENTINEL_KINDS.includes(a.kind)).map((a) => a.approverId));
  return { satisfied: missing.length === 0, approvedBy, missing, hotfixBoardApproved: sentinelPeople.size >= 2 };
}

export type MayDecideResult = { ok: true } | { ok: false; reason: string; reauth?: boolean; voided?: boolean };

/** Whether `actor` may decide (approve or reject) approval `a` now; `all` = the release's approvals. */
export function mayDecide(
  actor: { id: number; roles: readonly Role[]; signedInAt: number },
  a: ApprovalRecord,
  release: ReleaseFacts,
  all: readonly ApprovalRecord[],
  now: number,
): MayDecideResult {
  if (!actor.roles.includes(a.role)) return { ok: false, reason: APPROVAL_MESSAGES.missingRole(a.role) };
  if (actor.id === release.createdBy || release.drivers.includes(actor.id)) {
    return { ok: false, reason: APPROVAL_MESSAGES.separationOfDuties };
  }
  if (a.status !== "pending") return { ok: false, reason: APPROVAL_MESSAGES.alreadyDecided(a.status) };
  // Approvals of an older fingerprint are void, so they do not block deciding the new request.
  const approvedBefore = all.some(
    (o) => o.id !== a.id && o.status === "approved" && o.approverId === actor.id && o.fingerprint === release.fingerprint,
  );
  if (approvedBefore) return { ok: false, reason: APPROVAL_MESSAGES.countsOnce };
  if (a.expiresAt !== null && a.expiresAt <= now) return { ok: false, reason: APPROVAL_MESSAGES.expired };
  if (a.fingerprint !== null && a.fingerprint !== release.fingerprint) return { ok: false, reason: APPROVAL_MESSAGES.changed, voided: true };
  // Checked last: nobody is sent to sign in again only to be refused for another reason.
  if (now - actor.signedInAt > REAUTH_WINDOW_MS) return { ok: false, reason: APPROVAL_MESSAGES.reauth, reauth: true };
  return { ok: true };
}

/** Which approvals to request for a release entering production approval: normal -> [sentinel/production, service_owner/production]; hotfix -> [sentinel/hotfix, sentinel/hotfix]; plus feature_owner/migration when it has contract migrations. Feature_owner/smoke is requested after the staging deploy. */
export function approvalsToRequest(release: { hotfix: boolean; contractMigrations: number }): { role: Role; kind: ApprovalKind }[] {
  const out: { role: Role; kind: ApprovalKind }[] = release.hotfix
    ? [
        { role: "sentinel", kind: "hotfix" },
        { role: "sentinel", kind: "hotfix" },
      ]
    : [
        { role: "sentinel", kind: "production" },
        { role: "service_owner", kind: "production" },
      ];
  if (release.contractMigrations > 0) out.push({ role: "feature_owner", kind: "migration" });
  return out;
}

/** Expiry of an approval requested at `requestedAt` (D4: configurable, 24 h by default). */
export function approvalExpiresAt(requestedAt: number, ttlMs: number = DEFAULT_APPROVAL_TTL_MS): number {
  return requestedAt + ttlMs;
}

/** Postmortem due 24 h after a hotfix reaches production (D2); merge-back reminder text. */
export function hotfixObligations(at: number): { postmortemDueAt: number; mergeBackReminder: string } {
  const due = at + POSTMORTEM_DUE_MS;
  return {
    postmortemDueAt: due,
    mergeBackReminder: `Merge the hotfix back into the main branch by ${new Date(due).toISOString()} (within 24 hours).`,
  };
}
