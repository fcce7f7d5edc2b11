"use client";

import { memo } from "react";
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** One bucket of the trend, in display units (null: nothing to measure in that bucket). */
export interface TrendRow {
  at: number;
  deployments: number;
  leadHours: number | null;
  failurePct: number | null;
  restoreMinutes: number | null;
}

const day = (t: number) => new Date(t).toISOString().slice(5, 10);

function Frame({ title, testId, children }: { title: string; testId: string; children: React.ReactElement }) {
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" aria-label={`${title} chart`} data-testid={testId}>
      <figcaption className="mb-1 text-sm font-medium">{title}</figcaption>
      <div className="h-40">
        <ResponsiveContainer width="100%" height="100%" minWidth={100}>
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** The four keys per day or week (issue 14, item 4): a bar per bucket for deployments, lines for the rest. */
export const TrendCharts = memo(function TrendCharts({ rows, bucket }: { rows: readonly TrendRow[]; bucket: "day" | "week" }) {
  const label = (t: unknown) => `${bucket === "day" ? "Day" : "Week of"} ${new Date(Number(t)).toISOString().slice(0, 10)}`;
  const line = (key: keyof TrendRow, name: string, color: string, unit: string) => (
    <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
      <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
      <XAxis dataKey="at" tickFormatter={day} tick={{ fontSize: 10 }} />
      <YAxis tick={{ fontSize: 10 }} width={44} unit={unit} />
      <Tooltip labelFormatter={label} isAnimationActive={false} />
      <Line type="monotone" dataKey={key} name={name} stroke={color} connectNulls dot={{ r: 2 }} strokeWidth={2} isAnimationActive={false} />
    </LineChart>
  );
  return (
    <div className="grid gap-3 md:grid-cols-2">
      <Frame title={`Deployments per ${bucket}`} testId="trend-deployments">
        <BarChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="at" tickFormatter={day} tick={{ fontSize: 10 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 10 }} width={44} />
          <Tooltip labelFormatter={label} isAnimationActive={false} />
          <Bar dataKey="deployments" name="deployments" fill="#0284c7" isAnimationActive={false} />
        </BarChart>
      </Frame>
      <Frame title="Lead time for changes (median, hours)" testId="trend-lead-time">
        {line("leadHours", "lead time (h)", "#7c3aed", " h")}
      </Frame>
      <Frame title="Change failure rate (%)" testId="trend-failure-rate">
        {line("failurePct", "failure rate (%)", "#dc2626", "%")}
      </Frame>
      <Frame title="Time to restore service (median, minutes)" testId="trend-restore">
        {line("restoreMinutes", "time to restore (min)", "#059669", " min")}
      </Frame>
    </div>
  );
});
