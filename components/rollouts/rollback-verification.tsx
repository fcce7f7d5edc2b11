import { formatTime } from "@/lib/domain/format";
import { AutoRefresh } from "@/components/layout/auto-refresh";
import { Card } from "@/components/ui/page-header";
import type { VerificationRow } from "@/db/queries/changelog";
import { type VerificationProbe, describeProbe } from "@/lib/domain/rollout/rollback-verification";

const BADGE = {
  pending: "bg-amber-100 text-amber-900",
  passed: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
} as const;

/** K2: the post-rollback verification of a rollout (pending / passed / failed, with the last attempt's probes). */
export function RollbackVerification({ verification: v }: { verification: VerificationRow }) {
  const probes = JSON.parse(v.probes) as VerificationProbe[];
  const status = v.status;
  return (
    <Card title="Post-rollback verification">
      {status === "pending" && <AutoRefresh everyMs={2000} />}
      <div data-testid="rollback-verification" data-status={status} className="space-y-2 text-sm">
        <p className="flex flex-wrap items-center gap-2">
          <span className={`rounded px-1.5 text-xs font-medium ${BADGE[status]}`}>{status}</span>
          {status === "pending" && (
            <span>
              Checking that {v.restoredVersion} serves again (health and smoke probes){v.attempts > 0 ? `: attempt ${v.attempts} of ${v.maxAttempts} did not pass, retrying` : ""}…
            </span>
          )}
          {status === "passed" && (
            <span>
              {v.restoredVersion} serves again: every probe passed ({v.attempts === 1 ? "first attempt" : `attempt ${v.attempts} of ${v.maxAttempts}`}, {formatTime(v.finishedAt ?? v.queuedAt)}).
            </span>
          )}
          {status === "failed" && (
            <span className="font-medium text-red-900">
              {v.restoredVersion} does not serve: verification FAILED after {v.attempts} attempts ({formatTime(v.finishedAt ?? v.queuedAt)}).
            </span>
          )}
        </p>
        {probes.length > 0 && (
          <ul aria-label="Verification probes" className="space-y-1 text-xs">
            {probes.map((p, i) => (
              <li key={i} data-kind={p.kind} data-ok={p.ok} className={p.ok ? "text-slate-700" : "text-red-800"}>
                {p.ok ? "✓" : "✗"} {describeProbe(p)}
              </li>
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}
