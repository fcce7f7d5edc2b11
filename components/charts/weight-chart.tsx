"use client";

import { memo } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { type ChartMarker, clock, markerLines } from "./metric-chart";

/** Traffic weight of the canary over time (step line) with the same phase and decision markers. */
export const WeightChart = memo(function WeightChart({ points, markers, domain }: { points: readonly { t: number; weight: number }[]; markers: readonly ChartMarker[]; domain: [number, number] }) {
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" aria-label="Traffic weight chart" data-testid="chart-weight" data-latest-weight={points.at(-1)?.weight ?? ""}>
      <figcaption className="mb-1 text-sm font-medium">Traffic to the canary (%)</figcaption>
      <div className="h-40">
        <ResponsiveContainer width="100%" height="100%" minWidth={100}>
          <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="t" type="number" domain={domain} tickFormatter={clock} tick={{ fontSize: 10 }} allowDataOverflow />
            <YAxis domain={[0, 100]} tick={{ fontSize: 10 }} width={44} />
            <Tooltip labelFormatter={(t) => clock(Number(t))} isAnimationActive={false} />
            {markerLines(markers)}
            <Line type="stepAfter" dataKey="weight" name="weight" stroke="#0284c7" dot={false} strokeWidth={2} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});
