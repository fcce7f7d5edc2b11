"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { MetricChart } from "@/components/charts/metric-chart";
import { WeightChart } from "@/components/charts/weight-chart";
import { EvidenceChart } from "@/components/charts/evidence-chart";
import { METRICS, type Metric } from "@/lib/domain/analysis/config";
import { formatMetric } from "@/lib/domain/analysis/evaluate";
import { formatEvidence } from "@/lib/domain/analysis/count-rules";
import { CHART_METRICS, CHART_WINDOWS, type ChartMetric, type ChartWindow, type RolloutMetricsView, type SeriesSource } from "@/lib/domain/analysis/chart";
import { queryKeys } from "@/lib/query-keys";
import { formatClock } from "@/lib/domain/format";

const WINDOW_LABEL: Record<ChartWindow, string> = { "15m": "15 min", "1h": "1 h", all: "All" };
const VERDICT_STYLE: Record<string, string> = {
  pass: "bg-emerald-100 text-emerald-900",
  fail: "bg-red-100 text-red-900",
  inconclusive: "bg-amber-100 text-amber-900",
  error: "bg-red-100 text-red-900",
};
/** The visible note of where the request charts come from (the data attribute carries the bare source). */
function sourceNote(source: SeriesSource, provider: string): string {
  if (source === "prometheus") return "Request charts: metrics from Prometheus (the rows the analysis read).";
  return provider === "prometheus" ? "Request charts: metrics from the router (Prometheus has no rows for this rollout yet)." : "Request charts: metrics from the router.";
}
const HEALTH_STYLE: Record<string, string> = { healthy: "text-emerald-800", degraded: "text-amber-800", unhealthy: "text-red-800" };

/**
 * The on-call view of a rollout's canary analysis (REQUIREMENTS J1, I5): verdict, health class,
 * canary score, live charts (polled every second) and the decision records.
 */
export function RolloutAnalysis({ initial }: { initial: RolloutMetricsView }) {
  const [window, setWindow] = useState<ChartWindow>(initial.window);
  const { data, isError } = useQuery({
    queryKey: queryKeys.rolloutMetrics(initial.rolloutId, window),
    queryFn: async (): Promise<RolloutMetricsView> => {
      const res = await fetch(`/api/rollouts/${initial.rolloutId}/metrics?window=${window}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as RolloutMetricsView;
    },
    initialData: window === initial.window ? initial : undefined,
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data && !q.state.data.live ? 10_000 : 1000),
  });
  const v = data ?? initial;
  const domain = useMemo<[number, number]>(() => [v.from, v.to], [v.from, v.to]);
  const a = v.analysis;
  const [picked, setPicked] = useState<string | null>(null);
  // Default: the decision's rule, else the rule closest to its bar (highest evidence relative to 1/alpha).
  const closest = [...v.evidence].sort((x, y) => (y.points.at(-1)!.log10Evidence - (y.log10Bound ?? 0)) - (x.points.at(-1)!.log10Evidence - (x.log10Bound ?? 0)))[0];
  const shown = v.evidence.find((e) => e.ruleId === (picked ?? v.decisions[0]?.ruleId)) ?? closest;
  const latestOf = (m: ChartMetric) => (a?.canary || a?.baseline ? { canary: a.canary?.[m] ?? null, baseline: a.baseline?.[m] ?? null } : null);

  return (
    <section aria-label="Canary analysis" data-series-source={v.seriesSource} className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-lg font-semibold">Canary analysis</h2>
        <div role="group" aria-label="Chart window" className="flex gap-1">
          {CHART_WINDOWS.map((w) => (
            <button
              key={w}
              type="button"
              aria-pressed={w === window}
              onClick={() => setWindow(w)}
              className={`rounded border px-2.5 py-1 text-sm ${w === window ? "border-sky-600 bg-sky-50 font-semibold" : "border-slate-300 bg-white"}`}
            >
              {WINDOW_LABEL[w]}
            </button>
          ))}
        </div>
      </div>
      {isError && (
        <p role="alert" className="text-sm text-amber-800">
          Chart updates paused: the server did not answer. Retrying…
        </p>
      )}

      <div className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-4">
        <div>
          <div className="text-slate-600">Verdict</div>
          {a ? (
            <span data-testid="analysis-verdict" className={`inline-block rounded-full px-2 py-0.5 font-medium ${VERDICT_STYLE[a.verdict] ?? ""}`}>
              {a.verdict}
            </span>
          ) : (
            <span data-testid="analysis-verdict" className="text-slate-500">
              {v.config.enabled ? "not evaluated yet" : "analysis off"}
            </span>
          )}
        </div>
        <div>
          <div className="text-slate-600">Health (runbook 003)</div>
          <span data-testid="analysis-health" className={`font-medium ${a?.health ? HEALTH_STYLE[a.health] : "text-slate-500"}`}>
            {a?.health ?? "—"}
          </span>
        </div>
        <div>
          <div className="text-slate-600">Canary score (Mann-Whitney, {v.config.judgeMode})</div>
          <span data-testid="canary-score" className="font-medium">
            {a?.score ?? "—"}
            {a?.score !== null && a?.score !== undefined ? " / 100" : ""}
          </span>
        </div>
        <div>
          <div className="text-slate-600">Analysis</div>
          <span className="text-xs">
            {v.config.provider} provider, every {v.config.intervalSeconds} s over {v.config.windowSeconds} s; sequential tests at alpha {v.config.alpha}{v.config.requireSafety ? ", promotion needs evidence of safety" : ""}
            {v.config.timeScale !== 1 ? `, durations ×${v.config.timeScale}` : ""}
          </span>
        </div>
        {(a?.reasons.length || v.config.error) && (
          <ul className="text-xs text-slate-700 sm:col-span-4" aria-label="Why" data-testid="analysis-reasons">
            {v.config.error && <li className="text-red-800">Stored analysis config is invalid: {v.config.error}</li>}
            {a?.reasons.slice(0, 4).map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        )}
      </div>

      {a && a.evidence.length > 0 && (
        <section aria-label="Evidence per rule" className="overflow-x-auto rounded-lg border border-slate-200 bg-white p-4">
          <h3 className="mb-2 font-semibold">Evidence per rule (this step)</h3>
          <table className="w-full text-left text-xs">
            <thead className="text-slate-600">
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Canary bad share</th>
                <th scope="col">Upper bound</th>
                <th scope="col">Tested against</th>
                <th scope="col">Baseline</th>
                <th scope="col">Evidence of breach</th>
                <th scope="col">Safe?</th>
              </tr>
            </thead>
            <tbody>
              {a.evidence.map((r) => (
                <tr key={r.ruleId} className="border-t border-slate-100" data-rule={r.ruleId}>
                  <td className="py-1 font-mono">{r.ruleId}</td>
                  <td>
                    {share(r.rate)} ({r.bad}/{r.n})
                  </td>
                  <td>{share(r.upper)}</td>
                  <td>{share(r.p0)}</td>
                  <td>{r.baselineRate === null ? "—" : share(r.baselineRate)}</td>
                  <td className={r.lnEvidence >= r.lnBound ? "font-semibold text-red-800" : ""}>
                    {formatEvidence(r.lnEvidence)} / {formatEvidence(r.lnBound)}
                  </td>
                  <td>{r.safe ? "yes" : r.needs ? `needs ~${r.needs.toLocaleString("en-US")} more` : "not yet"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <p className="text-xs text-slate-600" data-testid="series-source" data-source={v.seriesSource}>
        {sourceNote(v.seriesSource, v.config.provider)}
      </p>
      <div className="grid gap-3 lg:grid-cols-2">
        {CHART_METRICS.map((m) => (
          <MetricChart key={m} metric={m} title={v.labels[m]} unit={v.units[m]} points={v.series[m]} thresholds={v.thresholds[m]} markers={v.markers} domain={domain} latest={latestOf(m)} />
        ))}
        <WeightChart points={v.weight} markers={v.markers} domain={domain} />
      </div>

      {shown && (
        <section aria-label="Evidence charts" className="space-y-2">
          <label className="flex items-center gap-2 text-sm">
            <span className="font-semibold">Evidence of rule</span>
            <select className="rounded border border-slate-300 px-2 py-1 text-sm" value={shown.ruleId} onChange={(e) => setPicked(e.target.value)}>
              {v.evidence.map((e) => (
                <option key={e.ruleId} value={e.ruleId}>
                  {e.label}
                </option>
              ))}
            </select>
          </label>
          <EvidenceChart series={shown} markers={v.markers} domain={domain} />
        </section>
      )}

      <section aria-label="Analysis decisions" className="rounded-lg border border-slate-200 bg-white p-4">
        <div className="mb-2 flex items-center justify-between">
          <h3 className="font-semibold">Decisions</h3>
          <a href={`/api/rollouts/${v.rolloutId}/decisions?download=1`} className="text-sm text-sky-700 underline">
            Export JSON
          </a>
        </div>
        {v.decisions.length === 0 ? (
          <p className="text-sm text-slate-500">No analysis decision yet.</p>
        ) : (
          <ol className="space-y-2 text-sm" data-testid="decisions">
            {v.decisions.map((d) => (
              <li key={d.id} className="rounded border border-red-200 bg-red-50 p-2">
                <div className="font-medium" data-testid="decision-sentence">
                  {d.sentence}
                </div>
                <div className="text-xs text-slate-700">
                  {formatClock(d.at)} · rule {d.ruleId ?? "—"} ({d.source ?? "—"}) · window {d.windowSeconds} s
                  {d.forMs !== null ? ` · for ${d.forMs / 1000} s` : ""} · canary {num(d.metric, d.canary)} · baseline {num(d.metric, d.baseline)} · threshold {num(d.metric, d.threshold)} · {d.outcome}
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>
    </section>
  );
}

const share = (x: number) => `${Number((100 * x).toFixed(x < 0.1 ? 2 : 1))}%`;
/** A decision's number in its metric's unit ("6.2%", "812 ms"); plain for the judge's score. */
function num(metric: string | null, v: number | null): string {
  if (v === null) return "—";
  return (METRICS as readonly string[]).includes(metric ?? "") ? formatMetric(metric as Metric, v) : String(Math.round(v * 100) / 100);
}
