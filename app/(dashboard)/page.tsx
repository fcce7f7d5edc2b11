import Link from "next/link";
import { AuditTable } from "@/components/audit/audit-table";
import { IncidentTable } from "@/components/incidents/incident-table";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { analysisStatesOf, latestDecisions } from "@/db/queries/analysis";
import { listAuditEvents } from "@/db/queries/audit";
import { listEnvironments, listServiceEnvironmentState, listServices } from "@/db/queries/catalog";
import { listIncidents } from "@/db/queries/incidents";
import { listReleases } from "@/db/queries/releases";
import { listRollouts } from "@/db/queries/rollouts";
import { requireActor } from "@/lib/auth/session";
import { formatDuration, formatTime } from "@/lib/domain/format";
import { holdLeftMs } from "@/lib/domain/rollout/machine";
import { stateOf } from "@/lib/rollout-view";
import { overduePostmortems } from "@/lib/views/postmortem";

export default async function OverviewPage() {
  await requireActor();
  const db = getDb();
  const environments = listEnvironments(db);
  const services = listServices(db);
  const state = listServiceEnvironmentState(db);
  const active = listReleases(db, 50).filter((r) => !["completed", "aborted", "rolled_back"].includes(r.status));
  const liveRollouts = listRollouts(db, { live: true, limit: 20 });
  const recent = listAuditEvents(db, {}, { limit: 10 }).events;
  const analysis = new Map(analysisStatesOf(db, liveRollouts.map((l) => l.rollout.id)).map((a) => [a.rolloutId, a]));
  const decisions = latestDecisions(db, 8);
  const holdLeft = holdsLeft(liveRollouts.map((l) => l.rollout));
  const openIncidents = listIncidents(db, { open: true, limit: 10 });
  return (
    <>
      <PageHeader title="Overview" description="What runs where, releases in flight, and the latest recorded activity." />
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Services by environment" className="lg:col-span-2">
          {services.length === 0 ? (
            <EmptyState>No services yet. An administrator adds them under Settings.</EmptyState>
          ) : (
            <table className="w-full text-sm" aria-label="Versions by environment">
              <thead className="text-left text-slate-600">
                <tr>
                  <th className="py-1">Service</th>
                  {environments.map((e) => (
                    <th key={e.id} className="py-1">
                      {e.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {services.map((s) => (
                  <tr key={s.id} className="border-t border-slate-200">
                    <td className="py-1.5 font-medium">{s.name}</td>
                    {environments.map((e) => {
                      const row = state.find((x) => x.serviceId === s.id && x.environmentId === e.id);
                      return (
                        <td key={e.id} className="py-1.5 font-mono text-xs">
                          {row?.currentVersion ?? <span className="text-slate-500">not deployed</span>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Rollouts in flight">
          {liveRollouts.length === 0 ? (
            <EmptyState>No rollout is running.</EmptyState>
          ) : (
            <ul className="space-y-1 text-sm" aria-label="Live rollouts">
              {liveRollouts.map(({ rollout: r, service, environment }) => (
                <li key={r.id}>
                  <Link href={`/rollouts/${r.id}`} className="text-sky-700 underline">
                    #{r.id}
                  </Link>{" "}
                  {service} <span className="font-mono">{r.toVersion}</span> in {environment}: {r.status.replace(/_/g, " ")}, {r.weight}%
                  <RolloutHealth verdict={analysis.get(r.id)?.verdict} health={analysis.get(r.id)?.health ?? null} holdLeft={holdLeft.get(r.id) ?? null} />
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Releases in flight">
          {active.length === 0 ? (
            <EmptyState>No release is in flight.</EmptyState>
          ) : (
            <ul className="space-y-1 text-sm">
              {active.map((r) => (
                <li key={r.id}>
                  {r.service} <span className="font-mono">{r.version}</span> — {r.status.replace(/_/g, " ")}
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      {/* J2: open incidents with their SLA timers. */}
      <Card title="Open incidents" className="mt-6">
        {openIncidents.length === 0 ? <EmptyState>No open incident.</EmptyState> : <IncidentTable rows={openIncidents} overdue={overdueNow(openIncidents)} />}
      </Card>
      <Card title="Latest analysis decisions" className="mt-6">
        {decisions.length === 0 ? (
          <EmptyState>No canary analysis has decided anything yet.</EmptyState>
        ) : (
          <ul className="space-y-1 text-sm" aria-label="Latest analysis decisions">
            {decisions.map(({ decision: d, service, environment, version }) => (
              <li key={d.id}>
                <span className="text-slate-500">{formatTime(d.at)}</span>{" "}
                <Link href={`/rollouts/${d.rolloutId}`} className="text-sky-700 underline">
                  #{d.rolloutId}
                </Link>{" "}
                {service} <span className="font-mono">{version}</span> in {environment}: {d.sentence}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Latest activity" className="mt-6">
        <AuditTable events={recent} />
        <Link href="/audit" className="mt-2 inline-block text-sm text-sky-700 underline">
          Full audit timeline
        </Link>
      </Card>
    </>
  );
}

const HEALTH_STYLE: Record<string, string> = { healthy: "text-emerald-800", degraded: "text-amber-800", unhealthy: "text-red-800" };

/** Health class (runbook 003), the latest verdict and the time left in the current hold of a live rollout. */
function RolloutHealth({ verdict, health, holdLeft }: { verdict: string | undefined; health: string | null; holdLeft: number | null }) {
  return (
    <span className="block text-xs text-slate-600" data-testid="overview-rollout-health">
      health <span className={`font-medium ${health ? HEALTH_STYLE[health] : ""}`}>{health ?? "n/a"}</span>
      {verdict ? <>, analysis {verdict}</> : null}
      {holdLeft !== null ? <>, {formatDuration(holdLeft)} left in hold</> : null}
      {holdLeft === 0 && verdict && verdict !== "pass" ? <>, holding until analysis passes</> : null}
    </span>
  );
}

/** Time left in the current hold per rollout, at the time of the request. */
function holdsLeft(rows: Parameters<typeof stateOf>[0][]): Map<number, number | null> {
  const now = Date.now();
  return new Map(rows.map((r) => [r.id, holdLeftMs(stateOf(r), now)]));
}

/** L3: open incidents whose postmortem is overdue, at the time of the request. */
function overdueNow(rows: ReturnType<typeof listIncidents>): Set<number> {
  return overduePostmortems(getDb(), rows, Date.now());
}
