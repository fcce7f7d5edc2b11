"use server";

import { defineAction } from "@/lib/actions/define-action";
import { decideApprovalInput } from "@/lib/domain/release/inputs";
import { decideApproval } from "@/lib/services/approvals/decide-approval";

export const decideApprovalAction = defineAction({
  name: "approval.decide",
  permission: "approval.decide",
  input: decideApprovalInput,
  run: ({ actor, input, requestId }) => decideApproval(actor, input, requestId),
  revalidate: ["/approvals", "/releases"],
});
