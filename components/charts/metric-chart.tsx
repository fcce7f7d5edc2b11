"use client";

import { memo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { type ChartPoint, type Threshold, axisTop } from "@/lib/domain/analysis/chart";
import { formatClock } from "@/lib/domain/format";

export interface ChartMarker {
  t: number;
  kind: "phase" | "decision";
  label: string;
}

/** The next "nice" axis bound (1, 2, 5 x 10^k) at or above v. */
export const clock = formatClock;

const fmt = (v: number | null | undefined, unit: string) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : `${Number(v.toFixed(v < 10 ? 2 : 1))}${unit === "ms" ? " ms" : unit}`);

/** Vertical reference lines for phase changes and decisions (a function: recharts reads its direct children). */
export function markerLines(markers: readonly ChartMarker[]) {
  return markers.map((m, i) => (
    <ReferenceLine
      key={`${m.t}-${i}`}
      x={m.t}
      stroke={m.kind === "decision" ? "#b91c1c" : "#94a3b8"}
      strokeDasharray={m.kind === "decision" ? undefined : "2 4"}
      strokeWidth={m.kind === "decision" ? 2 : 1}
      label={m.kind === "decision" ? { value: `⚑ ${m.label}`, position: "insideTopLeft", fill: "#b91c1c", fontSize: 11 } : undefined}
      ifOverflow="extendDomain"
    />
  ));
}

/**
 * Canary vs baseline for one metric on the same axes, with threshold reference lines and phase /
 * decision markers (REQUIREMENTS J1). Takes typed points; never fetches (DESIGN §2).
 */
export const MetricChart = memo(function MetricChart(props: {
  metric: string;
  title: string;
  unit: string;
  points: readonly ChartPoint[];
  thresholds: readonly Threshold[];
  markers: readonly ChartMarker[];
  domain: [number, number];
  /** The value the rules compare (analysis window), shown beside the title. */
  latest?: { canary: number | null; baseline: number | null } | null;
}) {
  const { metric, title, unit, points, thresholds, markers, domain, latest } = props;
  const lastCanary = [...points].reverse().find((p) => p.canary !== null)?.canary ?? null;
  const peakCanary = points.reduce<number | null>((max, p) => (p.canary !== null && (max === null || p.canary > max) ? p.canary : max), null);
  const shownCanary = latest?.canary ?? lastCanary;
  const top = axisTop(
    points.flatMap((p) => [p.canary ?? 0, p.baseline ?? 0]),
    thresholds.map((t) => t.value),
    unit,
  );
  return (
    <figure
      className="rounded-lg border border-slate-200 bg-white p-3"
      aria-label={`${title} chart`}
      data-testid={`chart-${metric}`}
      data-points={points.length}
      data-latest-canary={shownCanary ?? ""}
      data-peak-canary={peakCanary ?? ""}
      data-thresholds={thresholds.map((t) => t.value).join(",")}
      data-decision-markers={markers.filter((m) => m.kind === "decision").length}
    >
      <figcaption className="mb-1 flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span className="font-medium">{title}</span>
        <span className="text-xs text-slate-600">
          canary <span className="font-mono text-orange-700" data-testid={`latest-canary-${metric}`}>{fmt(shownCanary, unit)}</span> · baseline{" "}
          <span className="font-mono">{fmt(latest?.baseline ?? [...points].reverse().find((p) => p.baseline !== null)?.baseline, unit)}</span>
          {thresholds.length > 0 && <> · threshold {thresholds.map((t) => t.label).join(", ")}</>}
        </span>
      </figcaption>
      {points.length === 0 ? (
        <p className="flex h-40 items-center justify-center rounded bg-slate-50 text-sm text-slate-500" role="status">
          waiting for samples
        </p>
      ) : (
        <div className="h-40">
          <ResponsiveContainer width="100%" height="100%" minWidth={100}>
            <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              <XAxis dataKey="t" type="number" domain={domain} tickFormatter={clock} tick={{ fontSize: 10 }} allowDataOverflow />
              <YAxis tick={{ fontSize: 10 }} width={44} domain={[0, top]} allowDataOverflow />
              <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v) => fmt(Number(v), unit)} isAnimationActive={false} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {thresholds.map((t) => (
                <ReferenceLine key={t.value} y={t.value} stroke="#dc2626" strokeDasharray="6 3" label={{ value: t.label, position: "insideTopRight", fill: "#dc2626", fontSize: 10 }} ifOverflow="extendDomain" />
              ))}
              {markerLines(markers)}
              <Line type="linear" dataKey="baseline" name="baseline" stroke="#475569" dot={false} strokeWidth={1.5} isAnimationActive={false} connectNulls={false} />
              <Line type="linear" dataKey="canary" name="canary" stroke="#ea580c" dot={false} strokeWidth={2} isAnimationActive={false} connectNulls={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
});
