import Link from "next/link";
import { formatTime } from "@/lib/domain/format";
import type { listIncidents } from "@/db/queries/incidents";
import { OverdueBadge } from "@/components/postmortems/overdue-badge";
import { SlaTimers } from "./sla-timers";

/** One row per incident; `data-incident` lets the e2e suite find a row by id; `overdue`: incidents whose postmortem is overdue. */
export function IncidentTable({ rows, overdue }: { rows: ReturnType<typeof listIncidents>; overdue?: ReadonlySet<number> }) {
  return (
    <table className="w-full text-sm" aria-label="Incidents">
      <thead className="text-left text-slate-600">
        <tr>
          <th className="py-1">Incident</th>
          <th className="py-1">Severity</th>
          <th className="py-1">Status</th>
          <th className="py-1">Where</th>
          <th className="py-1">Opened</th>
          <th className="py-1">SLA</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ incident: i, service, environment, commander }) => (
          <tr key={i.id} className="border-t border-slate-200 align-top" data-incident={i.id}>
            <td className="py-1.5">
              <Link href={`/incidents/${i.id}`} className="text-sky-700 underline">
                #{i.id} {i.title}
              </Link>
              {overdue?.has(i.id) && <OverdueBadge title="Postmortem overdue: past its due time and not published." testId="postmortem-overdue" />}
              {commander && <span className="block text-xs text-slate-500">commander {commander}</span>}
            </td>
            <td className="py-1.5 font-medium">{i.severity}</td>
            <td className="py-1.5">{i.status}</td>
            <td className="py-1.5">{[service, environment].filter(Boolean).join(" in ") || "—"}</td>
            <td className="py-1.5 text-xs">{formatTime(i.openedAt)}</td>
            <td className="py-1.5">{i.status === "resolved" ? <span className="text-xs">resolved {formatTime(i.resolvedAt ?? i.updatedAt)}</span> : <SlaTimers incident={i} compact />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
