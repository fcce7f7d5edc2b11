import { Card } from "@/components/ui/page-header";
import { formatDuration, formatTime } from "@/lib/domain/format";
import type { CheckStatus, Runbook000Checklist as Checklist } from "@/lib/views/runbook-000-checklist";

const BADGE: Record<CheckStatus, string> = {
  passed: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
  pending: "bg-amber-100 text-amber-900",
  not_applicable: "bg-slate-100 text-slate-700",
};
const WORD: Record<CheckStatus, string> = { passed: "passed", failed: "failed", pending: "pending", not_applicable: "n/a" };

const short = (v: string | null) => (v && /^[0-9a-f]{40}$/.test(v) ? v.slice(0, 12) : (v ?? "–"));

/** Runbook 000 section 6 on the rollout page (PM2 services only): pm2 list, main and canary health, CI gate history. */
export function Runbook000Checklist({ checklist: c }: { checklist: Checklist }) {
  return (
    <Card title="Runbook 000 verification checklist">
      <div data-testid="runbook-000-checklist" className="space-y-4 text-sm">
        <ul aria-label="Checklist" className="space-y-1">
          {c.items.map((item) => (
            <li key={item.id} data-item={item.id} data-status={item.status} className="flex flex-wrap items-baseline gap-2">
              <span className={`rounded px-1.5 text-xs font-medium ${BADGE[item.status]}`}>{WORD[item.status]}</span>
              <span className="font-medium">{item.label}</span>
              <span className="text-slate-700">{item.detail}</span>
            </li>
          ))}
        </ul>

        <div>
          <h3 className="mb-1 font-medium">pm2 list</h3>
          {c.processes.length === 0 ? (
            <p className="text-slate-700">{c.error ?? "No process of this service is in pm2 list."}</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-left text-xs">
                <caption className="sr-only">PM2 processes of this service</caption>
                <thead>
                  <tr className="border-b border-slate-200">
                    <th scope="col" className="py-1 pr-3">Name</th>
                    <th scope="col" className="py-1 pr-3">id</th>
                    <th scope="col" className="py-1 pr-3">Status</th>
                    <th scope="col" className="py-1 pr-3">pid</th>
                    <th scope="col" className="py-1 pr-3">Version</th>
                    <th scope="col" className="py-1 pr-3">Commit</th>
                    <th scope="col" className="py-1 pr-3">Restarts</th>
                    <th scope="col" className="py-1 pr-3">Health</th>
                  </tr>
                </thead>
                <tbody>
                  {c.processes.map((p) => (
                    <tr key={p.name} data-name={p.name} data-status={p.status} className="border-b border-slate-100">
                      <td className="py-1 pr-3 font-mono">{p.name}</td>
                      <td className="py-1 pr-3">{p.pmId ?? "–"}</td>
                      <td className={`py-1 pr-3 ${p.status === "online" ? "text-emerald-800" : "font-medium text-red-800"}`}>{p.status}</td>
                      <td className="py-1 pr-3">{p.pid ?? "–"}</td>
                      <td className="py-1 pr-3 font-mono" title={p.version ?? undefined}>
                        {short(p.version)}
                      </td>
                      <td className="py-1 pr-3 font-mono" title={p.commit ?? undefined}>
                        {short(p.commit)}
                      </td>
                      <td className="py-1 pr-3">{p.restarts}</td>
                      <td className={`py-1 pr-3 ${p.healthy ? "text-emerald-800" : "font-medium text-red-800"}`}>
                        {p.healthy ? "200" : "not healthy"} <span className="text-slate-600">{p.healthUrl}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {c.ecosystemFile && <p className="mt-1 text-xs text-slate-600">Ecosystem file: <span className="font-mono">{c.ecosystemFile}</span></p>}
        </div>

        {c.ciHistory.length > 0 && (
          <div>
            <h3 className="mb-1 font-medium">CI gate history</h3>
            {c.ciHistory.map((h) => (
              <div key={h.version} className="mb-2">
                <p className="text-xs text-slate-700">
                  {h.role === "main" ? "Main" : "Canary"} runs <span className="font-mono">{short(h.version)}</span>
                  {h.runs.length === 0 && ": no CI gate run recorded."}
                </p>
                {h.runs.length > 0 && (
                  <ul aria-label={`CI gate runs on ${short(h.version)}`} className="ml-4 list-disc text-xs">
                    {h.runs.slice(0, 10).map((r) => (
                      <li key={r.id} data-passed={r.passed} className={r.passed ? "text-slate-700" : "text-red-800"}>
                        {r.passed ? "passed" : "FAILED"} · {r.kind === "command" ? "command" : "URL"} <span className="font-mono">{r.target}</span> · {r.code === null ? "did not finish" : r.kind === "command" ? `exit ${r.code}` : `HTTP ${r.code}`} · {formatDuration(r.durationMs)} · {formatTime(r.at)}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            ))}
          </div>
        )}
      </div>
    </Card>
  );
}
