import { PHASE_LABELS, RELEASE_PHASES, type ReleasePhase } from "@/lib/domain/release/lifecycle";

/** The release lifecycle (B3) as an ordered list; the current phase is marked for assistive tech too. */
export function PhaseStepper({ phase }: { phase: ReleasePhase }) {
  const ended = phase === "aborted" || phase === "rolled_back";
  const current = (RELEASE_PHASES as readonly string[]).indexOf(phase);
  return (
    <ol aria-label="Release phases" className="mb-4 flex flex-wrap gap-2 text-sm">
      {RELEASE_PHASES.map((p, i) => {
        const state = ended ? "todo" : i < current ? "done" : i === current ? "current" : "todo";
        const style = state === "done" ? "bg-emerald-100 text-emerald-900" : state === "current" ? "bg-sky-700 text-white" : "bg-slate-100 text-slate-600";
        return (
          <li key={p} aria-current={state === "current" ? "step" : undefined} data-state={state} className={`rounded-full px-3 py-1 ${style}`}>
            {i + 1}. {PHASE_LABELS[p]}
          </li>
        );
      })}
      {ended && (
        <li aria-current="step" data-state="current" className="rounded-full bg-red-600 px-3 py-1 text-white">
          {PHASE_LABELS[phase]}
        </li>
      )}
    </ol>
  );
}
