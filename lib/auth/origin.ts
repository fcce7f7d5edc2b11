import "server-only";
import { headers } from "next/headers";
import { getServerSession } from "next-auth";
import { checkRequestOrigin } from "@/lib/domain/request-origin";
import { originSettings } from "@/lib/env";
import { clientAddress } from "./client-address";
import { authOptions } from "./options";
import { ORIGIN_REFUSED_MESSAGE, auditOriginRefusal, requestFacts } from "./request-facts";

/**
 * Defense in depth for server actions (proxy.ts refuses first): the wrapper's own origin check.
 * Returns the FORBIDDEN result to hand back, or null when the request may proceed.
 */
export async function refuseForeignOrigin(name: string, requestId: string): Promise<{ ok: false; code: "FORBIDDEN"; message: string } | null> {
  const h = await headers();
  // A server action is always a POST; the wrapper cannot see the method itself.
  const facts = requestFacts(h, "POST", h.get("x-forwarded-proto") === "https" ? "https" : "http");
  const verdict = checkRequestOrigin(facts, originSettings());
  if (verdict.ok) return null;
  const session = await getServerSession(authOptions());
  const userId = Number(session?.userId);
  auditOriginRefusal(Number.isInteger(userId) ? userId : null, facts, verdict, {
    path: h.get("x-flightdeck-path") ?? "(server action)",
    actionId: name,
    refusedBy: "action",
    requestId,
    address: clientAddress(h),
  });
  console.warn(`[origin] action ${name} refused (${verdict.reason}, origin ${String(facts.origin).slice(0, 100)}) request ${requestId}`);
  return { ok: false, code: "FORBIDDEN", message: ORIGIN_REFUSED_MESSAGE };
}
