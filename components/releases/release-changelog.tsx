import Link from "next/link";
import { formatTime } from "@/lib/domain/format";
import { Card } from "@/components/ui/page-header";
import type { ChangelogRow } from "@/db/queries/changelog";

const KIND_LABEL = { deployed: "deployed", rolled_back: "rolled back" } as const;

/** K2 (runbook 001): the release's deployments and rollbacks, each linked to its rollout and, for a rollback, to the original deploy. */
export function ReleaseChangelog({ entries }: { entries: { entry: ChangelogRow; environment: string }[] }) {
  return (
    <Card title="Change log">
      {entries.length === 0 ? (
        <p className="text-sm text-slate-600">No deployment of this release has finished yet.</p>
      ) : (
        <ol className="space-y-2 text-sm" aria-label="Release change log">
          {entries.map(({ entry: e, environment }) => (
            <li key={e.id} data-kind={e.kind} data-environment={environment} className="rounded border border-slate-200 p-2">
              <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                <span>{formatTime(e.at)}</span>
                <span className={`rounded px-1.5 font-medium ${e.kind === "rolled_back" ? "bg-red-100 text-red-900" : "bg-emerald-100 text-emerald-900"}`}>{KIND_LABEL[e.kind]}</span>
                <span>{environment}</span>
              </div>
              <p>{e.text}</p>
              <p className="text-xs">
                <Link className="underline" href={`/rollouts/${e.rolloutId}`}>
                  Rollout #{e.rolloutId}
                </Link>
                {e.originalRolloutId !== null && (
                  <>
                    {" · original deploy: "}
                    <Link className="underline" href={`/rollouts/${e.originalRolloutId}`}>
                      Rollout #{e.originalRolloutId}
                    </Link>
                  </>
                )}
              </p>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
