import { formatTime } from "@/lib/domain/format";
import { chainStatus } from "@/lib/services/audit/chain-status";

/**
 * "Trail intact / tampered" (REQUIREMENTS M2), verified against the signed checkpoints; streamed
 * in so the timeline never waits for it. Every finding is listed by name.
 */
export async function ChainBadge() {
  const s = await chainStatus();
  const signed = s.checkpoint ? `last checkpoint signed ${formatTime(s.checkpoint.at)}` : "no checkpoint signed yet";
  const title = `Verified ${formatTime(s.verifiedAt)} against ${s.checkpoint ? `${s.checkpoint.seq} signed checkpoints` : "the hash chain only"}${s.keyId ? ` (key ${s.keyId})` : ""}.`;
  if (!s.intact) {
    return (
      <div role="alert" data-testid="chain-badge" title={title} className="max-w-xl rounded-lg bg-red-100 px-3 py-1 text-sm text-red-900">
        <p className="font-medium">Trail tampered: {s.lines[0]}</p>
        {s.lines.length > 1 && (
          <details>
            <summary>All {s.lines.length} findings</summary>
            <ul className="list-disc pl-5">
              {s.lines.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
    );
  }
  const unsigned = s.warnings.find((w) => w.kind === "uncovered");
  return (
    <span role="status" data-testid="chain-badge" title={title} className={`rounded-full px-3 py-1 text-sm font-medium ${unsigned ? "bg-amber-100 text-amber-900" : "bg-emerald-100 text-emerald-900"}`}>
      Chain intact · {s.checked.toLocaleString("en-US")} events verified · {signed}
      {unsigned ? ` · ${(unsigned.to - unsigned.from + 1).toLocaleString("en-US")} newer events not yet signed` : ""}
    </span>
  );
}
