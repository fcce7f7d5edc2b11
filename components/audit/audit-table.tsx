import type { AuditEventRow } from "@/db/queries/audit";

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

/** The API token an event was written for (recordAudit adds `apiTokenId`), or null. */
function apiTokenOf(details: string): number | null {
  try {
    const id = (JSON.parse(details) as { apiTokenId?: unknown }).apiTokenId;
    return typeof id === "number" ? id : null;
  } catch {
    return null;
  }
}

export function AuditTable({ events }: { events: AuditEventRow[] }) {
  return (
    <table className="w-full border-collapse rounded-lg border border-slate-200 bg-white text-sm" aria-label="Audit events">
      <thead className="bg-slate-100 text-left">
        <tr>
          <th className="p-2">#</th>
          <th className="p-2">When (UTC)</th>
          <th className="p-2">Actor</th>
          <th className="p-2">Action</th>
          <th className="p-2">Subject</th>
          <th className="p-2">Env</th>
          <th className="p-2">Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const roles = JSON.parse(e.roles) as string[];
          const tokenId = apiTokenOf(e.details);
          return (
            <tr key={e.id} className="border-t border-slate-200 align-top" data-action={e.action}>
              <td className="p-2 font-mono text-xs text-slate-500">{e.id}</td>
              <td className="whitespace-nowrap p-2 font-mono text-xs">{formatTime(e.createdAt)}</td>
              <td className="p-2">
                {e.actorLabel}
                {roles.length > 0 && <div className="text-xs text-slate-500">{roles.join(", ")}</div>}
                {tokenId !== null && <div className="text-xs text-slate-500">via API token #{tokenId}</div>}
              </td>
              <td className="p-2 font-mono text-xs">{e.action}</td>
              <td className="p-2 text-xs">{e.subjectType ? `${e.subjectType} ${e.subjectId ?? ""}` : "—"}</td>
              <td className="p-2 text-xs">{e.environment ?? "—"}</td>
              <td className="max-w-md p-2">
                <code className="block break-all text-xs text-slate-700">{e.details === "{}" ? "" : e.details}</code>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
