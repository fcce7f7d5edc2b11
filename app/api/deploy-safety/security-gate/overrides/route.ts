import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { listOverridesOp } from "@/lib/api/spec/deploy-safety";
import { activeOverrides } from "@/lib/views/deploy-safety";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/security-gate/overrides: the active overrides, as the Security page lists them. */
export const GET = apiOperation(listOverridesOp, () => ok({ items: activeOverrides(getDb()) }));
