import type { ApprovalRow } from "@/db/queries/releases";

/** A feature owner approved the staging smoke tests (D3) and the approval still stands. */
export const smokeSignedOff = (approvals: readonly ApprovalRow[]) => approvals.some((a) => a.kind === "smoke" && a.status === "approved");
