import { formatTime } from "@/components/audit/audit-table";
import { chainStatus } from "@/lib/services/audit/chain-status";

/** "Chain intact / broken at #N" (REQUIREMENTS M2); streamed in so the timeline never waits for it. */
export function ChainBadge() {
  const s = chainStatus();
  const title = s.fullCheckAt ? `Last full verification ${formatTime(s.fullCheckAt)}; newer events verified now.` : "Fully verified now.";
  return s.intact ? (
    <span role="status" data-testid="chain-badge" title={title} className="rounded-full bg-emerald-100 px-3 py-1 text-sm font-medium text-emerald-900">
      Chain intact · {s.checked.toLocaleString("en-US")} events verified
    </span>
  ) : (
    <span role="alert" data-testid="chain-badge" title={title} className="rounded-full bg-red-100 px-3 py-1 text-sm font-medium text-red-900">
      Chain broken at #{s.broken?.id}: {s.broken?.reason}
    </span>
  );
}
