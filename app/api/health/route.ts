import { getSqlite } from "@/db/client";

export const dynamic = "force-dynamic";

/** Liveness and database reachability for load balancers and the start script; no data exposed. */
export function GET() {
  try {
    getSqlite().prepare("SELECT 1").get();
    return Response.json({ status: "ok" });
  } catch {
    return Response.json({ status: "unavailable" }, { status: 503 });
  }
}
