import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { getSecurityStatusOp } from "@/lib/api/spec/deploy-safety";
import { securityStatus } from "@/lib/views/deploy-safety";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/security-gate/status: what the Security page's Gate card shows. */
export const GET = apiOperation(getSecurityStatusOp, () => ok(securityStatus(getDb())));
