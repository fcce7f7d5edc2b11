import type { Metadata } from "next";
import Link from "next/link";
import { TrendCharts, type TrendRow } from "@/components/insights/trend-charts";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { firstValues } from "@/lib/domain/audit-filter";
import { formatDuration } from "@/lib/domain/format";
import { DORA_DEFINITIONS, type DoraKey, bucketMs } from "@/lib/domain/insights/dora";
import { TIME_CATEGORIES, TIME_CATEGORY_LABELS, type TimeCategory, type TimeSpent } from "@/lib/domain/insights/time-spent";
import { PHASE_LABELS, type ReleasePhase } from "@/lib/domain/release/lifecycle";
import { type Insights, insightsFor } from "@/lib/views/insights";

export const metadata: Metadata = { title: "Insights" };

type Params = Promise<Record<string, string | string[] | undefined>>;

const DAY = 86_400_000;
const COLORS: Record<TimeCategory, string> = {
  preflight: "#94a3b8",
  deploying: "#0284c7",
  holds: "#38bdf8",
  analysis_extension: "#f59e0b",
  paused: "#a78bfa",
  blocked: "#dc2626",
  rolling_back: "#9f1239",
  soak: "#10b981",
  approvals: "#f97316",
  monitoring: "#64748b",
};

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const duration = (ms: number | null) => (ms === null ? "—" : formatDuration(ms));

function keyValue(i: Insights, k: DoraKey): { value: string; detail: string } {
  const { keys } = i;
  switch (k) {
    case "deployment_frequency":
      return { value: `${Number(keys.perDay.toFixed(2))} / day`, detail: `${keys.deployments} deployment${keys.deployments === 1 ? "" : "s"} in the range` };
    case "lead_time":
      return { value: duration(keys.leadTime.median), detail: keys.leadTime.n ? `90th percentile ${duration(keys.leadTime.p90)} over ${keys.leadTime.n}` : "no deployment to measure" };
    case "change_failure_rate":
      return {
        value: keys.changeFailureRate.rate === null ? "—" : pct(keys.changeFailureRate.rate),
        detail: `${keys.changeFailureRate.failed} of ${keys.changeFailureRate.finished} finished deployment${keys.changeFailureRate.finished === 1 ? "" : "s"} failed`,
      };
    case "time_to_restore":
      return { value: duration(keys.timeToRestore.median), detail: keys.timeToRestore.n ? `median of ${keys.timeToRestore.n} restoration${keys.timeToRestore.n === 1 ? "" : "s"}` : "nothing needed restoring" };
  }
}

/** A stacked bar of where the time went, with the figures in its accessible name. */
function SpentBar({ spent, label }: { spent: TimeSpent; label: string }) {
  const total = TIME_CATEGORIES.reduce((s, c) => s + spent[c], 0);
  const parts = TIME_CATEGORIES.filter((c) => spent[c] > 0);
  const name = `${label}: ${parts.map((c) => `${TIME_CATEGORY_LABELS[c]} ${formatDuration(spent[c])}`).join(", ") || "no time recorded"}`;
  return (
    <div className="flex h-3 w-full min-w-32 overflow-hidden rounded bg-slate-100" role="img" aria-label={name} title={name}>
      {parts.map((c) => (
        <div key={c} style={{ width: `${(spent[c] / total) * 100}%`, background: COLORS[c] }} />
      ))}
    </div>
  );
}

/** The insights at the time of the request. */
function insightsAtRequest(db: ReturnType<typeof getDb>, raw: Record<string, string | undefined>) {
  return insightsFor(db, raw, Date.now());
}

/**
 * Insights (issue 14, item 4): the four DORA keys computed from Flightdeck's own records for a
 * service, an environment and a time range, their trend, and where the time of releases goes.
 */
export default async function InsightsPage({ searchParams }: { searchParams: Params }) {
  await authorizePage("insights.read", "/insights");
  const raw = firstValues(await searchParams);
  const db = getDb();
  const services = listServices(db);
  const environments = listEnvironments(db);
  const r = insightsAtRequest(db, raw);
  const keep = new URLSearchParams(Object.entries(raw).filter((e): e is [string, string] => Boolean(e[1])));
  const exportHref = (kind: string) => `/api/insights/export?${new URLSearchParams({ ...Object.fromEntries(keep), kind }).toString()}`;
  const serviceName = new Map(services.map((s) => [s.id, s.name]));

  const selectedEnvironment = r.ok ? (r.environmentId === undefined ? "all" : String(r.environmentId)) : (raw.environment ?? "");
  return (
    <>
      <PageHeader title="Insights" description="The four DORA keys from Flightdeck's own records, their trend, and where the time of each release goes." />
      <form method="get" className="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-5" aria-label="Insights filter">
        <label className="text-sm">
          <span className="block font-medium">Service</span>
          <select name="service" defaultValue={raw.service ?? ""} className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
            <option value="">All services</option>
            {services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium">Environment</span>
          <select name="environment" defaultValue={selectedEnvironment} className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
            <option value="all">All environments</option>
            {environments.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium">From</span>
          <input type="date" name="from" defaultValue={r.ok ? r.insights.range.fromDay : raw.from} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="text-sm">
          <span className="block font-medium">To</span>
          <input type="date" name="to" defaultValue={r.ok ? r.insights.range.toDay : raw.to} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <div className="flex items-end gap-3">
          <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
            Show
          </button>
        </div>
      </form>

      {!r.ok ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
          {r.reason}
        </p>
      ) : (
        <InsightsBody insights={r.insights} exportHref={exportHref} serviceName={serviceName} />
      )}
    </>
  );
}

function InsightsBody({ insights: i, exportHref, serviceName }: { insights: Insights; exportHref: (kind: string) => string; serviceName: Map<number, string> }) {
  const rangeText = `${i.range.fromDay} to ${i.range.toDay}`;
  const empty = i.keys.changeFailureRate.finished === 0 && i.keys.timeToRestore.n === 0 && i.releases.length === 0;
  if (empty) return <EmptyState>Nothing was deployed, restored or released from {rangeText} with this filter. Choose a longer range, another service or another environment.</EmptyState>;
  const bucket = bucketMs(i.range) === DAY ? "day" : "week";
  const rows: TrendRow[] = i.trend.map((p) => ({
    at: p.at,
    deployments: p.deployments,
    leadHours: p.leadTime.median === null ? null : Number((p.leadTime.median / 3_600_000).toFixed(2)),
    failurePct: p.changeFailureRate.rate === null ? null : Number((p.changeFailureRate.rate * 100).toFixed(1)),
    restoreMinutes: p.timeToRestore.median === null ? null : Number((p.timeToRestore.median / 60_000).toFixed(1)),
  }));
  const totalSpent = TIME_CATEGORIES.reduce((s, c) => s + i.total.spent[c], 0);
  return (
    <>
      <section aria-label="The four keys" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {(Object.keys(DORA_DEFINITIONS) as DoraKey[]).map((k) => {
          const v = keyValue(i, k);
          return (
            <div key={k} className="rounded-lg border border-slate-200 bg-white p-4" data-testid={`key-${k}`}>
              <h2 className="text-sm font-medium text-slate-600">{DORA_DEFINITIONS[k].label}</h2>
              <p className="mt-1 text-2xl font-semibold" data-testid="key-value">
                {v.value}
              </p>
              <p className="text-xs text-slate-600">{v.detail}</p>
              <details className="mt-2 text-xs text-slate-600">
                <summary className="cursor-pointer">Definition</summary>
                <p className="mt-1">{DORA_DEFINITIONS[k].definition}</p>
              </details>
            </div>
          );
        })}
      </section>

      <Card title={`Trend, per ${bucket} (${rangeText})`} className="mt-6">
        <TrendCharts rows={rows} bucket={bucket} />
        <p className="mt-2 text-sm">
          <a className="text-sky-700 underline" href={exportHref("trend")} download>
            Export the trend (CSV)
          </a>
        </p>
      </Card>

      <Card title="Where the time goes" className="mt-6">
        {i.releases.length === 0 ? (
          <EmptyState>No release was alive in this range.</EmptyState>
        ) : (
          <>
            <p className="mb-2 text-sm text-slate-600">
              {i.releases.length} release{i.releases.length === 1 ? "" : "s"}, {formatDuration(i.total.totalMs)} in all; an incident was open for {formatDuration(i.total.incidentMs)} of it.
            </p>
            <table className="w-full text-sm" aria-label="Time by category">
              <thead className="text-left text-slate-600">
                <tr>
                  <th className="py-1">Spent on</th>
                  <th>Time</th>
                  <th>Share</th>
                </tr>
              </thead>
              <tbody>
                {TIME_CATEGORIES.filter((c) => i.total.spent[c] > 0).map((c) => (
                  <tr key={c} className="border-t border-slate-200">
                    <td className="py-1">
                      <span className="mr-2 inline-block h-2 w-2 rounded-full" style={{ background: COLORS[c] }} aria-hidden />
                      {TIME_CATEGORY_LABELS[c]}
                    </td>
                    <td>{formatDuration(i.total.spent[c])}</td>
                    <td>{pct(i.total.spent[c] / totalSpent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3 className="mt-4 mb-2 text-sm font-medium">Per release</h3>
            <table className="w-full text-sm" aria-label="Time per release">
              <thead className="text-left text-slate-600">
                <tr>
                  <th className="py-1">Release</th>
                  <th>Phase</th>
                  <th>Total</th>
                  <th>Most time on</th>
                  <th className="w-1/3">Breakdown</th>
                </tr>
              </thead>
              <tbody>
                {i.releases.map((rel) => {
                  const top = TIME_CATEGORIES.reduce<TimeCategory>((best, c) => (rel.spent[c] > rel.spent[best] ? c : best), "preflight");
                  return (
                    <tr key={rel.releaseId} className="border-t border-slate-200">
                      <td className="py-1">
                        <Link className="text-sky-700 underline" href={`/releases/${rel.releaseId}`}>
                          {serviceName.get(rel.serviceId) ?? "service"} {rel.version}
                        </Link>
                      </td>
                      <td>{PHASE_LABELS[rel.status as ReleasePhase] ?? rel.status}</td>
                      <td>{formatDuration(rel.totalMs)}</td>
                      <td>{rel.spent[top] > 0 ? `${TIME_CATEGORY_LABELS[top]} (${formatDuration(rel.spent[top])})` : "—"}</td>
                      <td>
                        <SpentBar spent={rel.spent} label={`Release ${rel.version}`} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <p className="mt-2 text-sm">
              <a className="text-sky-700 underline" href={exportHref("releases")} download>
                Export the time per release (CSV)
              </a>
            </p>
          </>
        )}
      </Card>
    </>
  );
}
