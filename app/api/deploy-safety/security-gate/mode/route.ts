import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { setSecurityModeOp } from "@/lib/api/spec/deploy-safety";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { securityStatus } from "@/lib/views/deploy-safety";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** POST /api/deploy-safety/security-gate/mode {mode, reason?, threatLevel?}: setSecurityGate, as the Security page. */
export const POST = apiOperation(setSecurityModeOp, (_req, { body, actor, requestId }) => {
  setSecurityGate(actor, body, requestId);
  return ok(securityStatus(getDb()));
});
