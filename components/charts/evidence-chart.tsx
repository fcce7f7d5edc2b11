"use client";

import { memo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { type EvidenceSeries, niceCeil } from "@/lib/domain/analysis/chart";
import { type ChartMarker, clock, markerLines } from "./metric-chart";

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : `${Number((100 * v).toFixed(v < 0.1 ? 2 : 1))}%`);

/**
 * One count rule's sequential test over the rollout (REQUIREMENTS I6, J1): the canary's cumulative
 * bad share of the step with its anytime-valid upper bound against the rule's threshold, the
 * baseline's share, and the evidence (log10) against the 1/alpha bar a breach must pass. Cumulative
 * shares, so a per-second spike at low traffic moves the line only as much as its requests weigh.
 */
export const EvidenceChart = memo(function EvidenceChart(props: { series: EvidenceSeries; markers: readonly ChartMarker[]; domain: [number, number] }) {
  const { series, markers, domain } = props;
  const points = series.points.map((p) => ({ ...p, rate: 100 * p.rate, upper: 100 * p.upper, threshold: 100 * p.threshold, baseline: p.baseline === null ? null : 100 * p.baseline }));
  const last = series.points.at(-1);
  const top = niceCeil(Math.max(0, ...points.flatMap((p) => [p.rate, p.threshold * 1.15, p.baseline ?? 0, Math.min(p.upper, 100)])));
  const evidenceTop = Math.max(1, Math.ceil(Math.max(series.log10Bound ?? 0, ...series.points.map((p) => p.log10Evidence)) + 0.5));
  const evidenceBottom = Math.min(-1, Math.floor(Math.min(0, ...series.points.map((p) => p.log10Evidence))));
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" aria-label={`Evidence of ${series.ruleId}`} data-testid={`evidence-${series.ruleId}`} data-points={series.points.length} data-log10-evidence={last?.log10Evidence ?? ""} data-peak-log10-evidence={series.points.length ? Math.max(...series.points.map((p) => p.log10Evidence)) : ""} data-log10-bound={series.log10Bound ?? ""}>
      <figcaption className="mb-1 flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span className="font-medium">{series.label}</span>
        <span className="text-xs text-slate-600">
          canary <span className="font-mono text-orange-700">{pct(last?.rate)}</span> (upper bound {pct(last?.upper)}) · threshold {pct(last?.threshold)} · baseline {pct(last?.baseline)} · evidence 10^{last ? last.log10Evidence.toFixed(1) : "—"} of 10^{series.log10Bound?.toFixed(1) ?? "—"} ({series.action})
        </span>
      </figcaption>
      <div className="grid gap-2 md:grid-cols-2">
        <div className="h-36" aria-label="Cumulative bad share with its upper bound">
          <ResponsiveContainer width="100%" height="100%" minWidth={100}>
            <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              <XAxis dataKey="t" type="number" domain={domain} tickFormatter={clock} tick={{ fontSize: 10 }} allowDataOverflow />
              <YAxis tick={{ fontSize: 10 }} width={44} domain={[0, top]} allowDataOverflow unit="%" />
              <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v) => `${Number(Number(v).toFixed(2))}%`} isAnimationActive={false} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {markerLines(markers)}
              <Line type="stepAfter" dataKey="threshold" name="threshold" stroke="#dc2626" strokeDasharray="6 3" dot={false} isAnimationActive={false} />
              <Line type="linear" dataKey="baseline" name="baseline" stroke="#475569" dot={false} strokeWidth={1.5} isAnimationActive={false} connectNulls={false} />
              <Line type="linear" dataKey="upper" name="canary upper bound" stroke="#fdba74" strokeDasharray="3 3" dot={false} isAnimationActive={false} />
              <Line type="linear" dataKey="rate" name="canary (cumulative)" stroke="#ea580c" dot={false} strokeWidth={2} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
        <div className="h-36" aria-label="Evidence against the 1/alpha bar">
          <ResponsiveContainer width="100%" height="100%" minWidth={100}>
            <LineChart data={series.points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              <XAxis dataKey="t" type="number" domain={domain} tickFormatter={clock} tick={{ fontSize: 10 }} allowDataOverflow />
              <YAxis tick={{ fontSize: 10 }} width={44} domain={[evidenceBottom, evidenceTop]} allowDataOverflow tickFormatter={(v: number) => `1e${v}`} />
              <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v) => `10^${Number(v).toFixed(2)}`} isAnimationActive={false} />
              {series.log10Bound !== null && <ReferenceLine y={series.log10Bound} stroke="#dc2626" strokeDasharray="6 3" label={{ value: "1/alpha", position: "insideTopRight", fill: "#dc2626", fontSize: 10 }} ifOverflow="extendDomain" />}
              {markerLines(markers)}
              <Line type="linear" dataKey="log10Evidence" name="evidence of breach" stroke="#7c3aed" dot={false} strokeWidth={2} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </div>
    </figure>
  );
});
