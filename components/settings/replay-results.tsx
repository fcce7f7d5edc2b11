import Link from "next/link";
import { formatTime } from "@/lib/domain/format";
import type { ReplayAnalysisResult, ReplayResult } from "@/lib/domain/analysis/replay";

const KIND_LABEL: Record<string, string> = {
  rollback_immediate: "rollback (immediate)",
  rollback_gradual: "rollback (gradual)",
  hold: "hold for the captain",
  pause_errors: "pause (errors)",
  pause_inconclusive: "pause (inconclusive)",
};
const seconds = (s: number) => `${s.toLocaleString("en-US")} s`;

/** The draft's verdict on one rollout: what and when, then its sentence. */
function DraftCell({ draft }: { draft: ReplayResult | null }) {
  if (!draft) return <span className="text-slate-500">not replayed: the replay&apos;s budget ran out (replay fewer rollouts)</span>;
  const o = draft.outcome;
  const headline =
    o.kind === "decision"
      ? `${KIND_LABEL[o.decision.kind] ?? o.decision.kind} at ${seconds(o.afterSeconds)}${o.decision.ruleId ? ` (${o.decision.ruleId})` : ""}`
      : o.kind === "held"
        ? `held at ${seconds(o.afterSeconds)}`
        : o.kind === "passed"
          ? "passed"
          : o.kind === "undecided"
            ? `no decision by ${seconds(o.afterSeconds)}`
            : "not analysed";
  return (
    <>
      <span className="font-medium" data-testid="replay-outcome" data-kind={o.kind}>
        {headline}
      </span>
      <span className="mt-1 block text-slate-700" data-testid="replay-sentence">
        {draft.sentence}
      </span>
      <span className="mt-1 block text-xs text-slate-500">
        {draft.evaluations.toLocaleString("en-US")} evaluations over {seconds(draft.replayedSeconds)}
        {draft.truncated ? " (cut at the replay's limit)" : ""}
      </span>
    </>
  );
}

/** What a draft analysis config would have done over a service's past rollouts (REQUIREMENTS I7). */
export function ReplayResults({ result }: { result: ReplayAnalysisResult }) {
  if (result.message) {
    return (
      <p role="status" className="text-sm text-slate-700">
        {result.message}
      </p>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full rounded-lg border border-slate-200 bg-white text-sm">
        <caption className="p-2 text-left text-sm font-medium">
          Replay of the draft config over the last {result.rows.length} rollout{result.rows.length === 1 ? "" : "s"} of {result.service}
          <span className="block text-xs font-normal text-slate-500">{result.note} Nothing was saved.</span>
        </caption>
        <thead className="bg-slate-100 text-left">
          <tr>
            <th scope="col" className="p-2">
              Rollout
            </th>
            <th scope="col" className="p-2">
              Versions
            </th>
            <th scope="col" className="p-2">
              Environment
            </th>
            <th scope="col" className="p-2">
              Started
            </th>
            <th scope="col" className="p-2">
              What happened
            </th>
            <th scope="col" className="p-2">
              The draft would have
            </th>
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row) => (
            <tr key={row.rollout.id} className="border-t border-slate-200 align-top">
              <th scope="row" className="p-2 text-left font-normal">
                <Link href={`/rollouts/${row.rollout.id}`} className="font-medium text-sky-700 underline">
                  #{row.rollout.id}
                </Link>
              </th>
              <td className="whitespace-nowrap p-2 font-mono">
                {row.rollout.fromVersion} → {row.rollout.toVersion}
              </td>
              <td className="p-2">{row.rollout.environment}</td>
              <td className="whitespace-nowrap p-2 font-mono text-xs">{formatTime(row.rollout.createdAt)}</td>
              <td className="p-2">
                <span className="font-medium">{row.real.status.replace(/_/g, " ")}</span>
                {row.real.decision ? (
                  <span className="mt-1 block text-slate-700" data-testid="real-decision">
                    {row.real.decision.sentence} (at {seconds(row.real.decision.afterSeconds)})
                  </span>
                ) : row.real.reason ? (
                  <span className="mt-1 block text-slate-700">{row.real.reason}</span>
                ) : null}
              </td>
              <td className="p-2">
                <DraftCell draft={row.draft} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
