import "server-only";
import type { Executor } from "@/db/connection";
import { type ApprovalRow, approvalsOf, findRelease, pendingApprovals } from "@/db/queries/releases";
import type { Actor } from "@/lib/domain/actor";
import { type MayDecideResult, mayDecide } from "@/lib/domain/approvals/rules";
import { releaseFacts, toApprovalRecord } from "@/lib/services/approvals/release-approval";

/**
 * Whether `actor` may decide approval `a` now, by the rules the decision itself applies
 * (lib/services/approvals/decide-approval.ts), so a person sees why before any click. A sign-in
 * older than 15 minutes is no obstacle here: the decision form asks for the password then.
 */
export function decisionFor(db: Executor, actor: Actor, a: ApprovalRow, now: number): MayDecideResult {
  const release = findRelease(db, a.releaseId)!;
  const verdict = mayDecide({ id: actor.id, roles: actor.roles, signedInAt: now }, toApprovalRecord(a), releaseFacts(db, release), approvalsOf(db, release.id).map(toApprovalRecord), now);
  return verdict;
}

export type InboxRow = ReturnType<typeof pendingApprovals>[number];

export interface Inbox {
  /** Requests for one of my roles that I may decide now. */
  yours: InboxRow[];
  /** Requests for one of my roles that I may not decide, each with the reason. */
  notYours: (InboxRow & { reason: string })[];
  /** Requests on releases I created or drove, waiting for other people. */
  onYourReleases: InboxRow[];
}

/** The approvals inbox (issue 14, item 3): what I can decide, and separately what waits on others. */
export function approvalInbox(db: Executor, actor: Actor, now: number): Inbox {
  const inbox: Inbox = { yours: [], notYours: [], onYourReleases: [] };
  const facts = new Map<number, ReturnType<typeof releaseFacts>>();
  for (const row of pendingApprovals(db, now)) {
    const release = findRelease(db, row.releaseId)!;
    const f = facts.get(release.id) ?? releaseFacts(db, release);
    facts.set(release.id, f);
    const mine = f.createdBy === actor.id || f.drivers.includes(actor.id);
    if (!actor.roles.includes(row.role as Actor["roles"][number])) {
      if (mine) inbox.onYourReleases.push(row);
      continue;
    }
    const verdict = decisionFor(db, actor, row.approval, now);
    if (verdict.ok) inbox.yours.push(row);
    else inbox.notYours.push({ ...row, reason: verdict.reason });
  }
  return inbox;
}
