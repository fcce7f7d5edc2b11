import Link from "next/link";
import { Time } from "@/components/ui/time";
import { getDb } from "@/db/client";
import type { AuditEventRow } from "@/db/queries/audit";
import { auditSentence, detailFields } from "@/lib/domain/audit-sentence";
import { ROLE_LABELS, type Role } from "@/lib/domain/roles";
import { auditContext, subjectOf } from "@/lib/views/audit-context";


/** The API token an event was written for (recordAudit adds `apiTokenId`), or null. */
function apiTokenOf(details: Record<string, unknown>): number | null {
  return typeof details.apiTokenId === "number" ? details.apiTokenId : null;
}

function parse(details: string): Record<string, unknown> {
  try {
    const v = JSON.parse(details) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The events with their names and subjects, at the time of the request. */
function load(events: AuditEventRow[]) {
  return { now: Date.now(), ctx: auditContext(getDb(), events) };
}

/**
 * The audit timeline as people read it (issue 14, item 1): each event a sentence with the actor's
 * name and roles and the subject linked, its details as labelled values (before → after for a
 * change), the raw JSON one click away. The same table on the audit page, the overview and the
 * release page.
 */
export function AuditTable({ events }: { events: AuditEventRow[] }) {
  const { now, ctx } = load(events);
  return (
    <table className="w-full border-collapse rounded-lg border border-slate-200 bg-white text-sm" aria-label="Audit events">
      <thead className="bg-slate-100 text-left">
        <tr>
          <th className="p-2">#</th>
          <th className="p-2">When (UTC)</th>
          <th className="p-2">Actor</th>
          <th className="p-2">What happened</th>
          <th className="p-2">Subject</th>
          <th className="p-2">Env</th>
          <th className="p-2">Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const roles = JSON.parse(e.roles) as string[];
          const details = parse(e.details);
          const tokenId = apiTokenOf(details);
          const subject = subjectOf(ctx, e);
          const name = e.actorId ? ctx.names.get(e.actorId) : undefined;
          const sentence = auditSentence({ ...e, actorName: name, details }, subject);
          const fields = detailFields(details);
          return (
            <tr key={e.id} className="border-t border-slate-200 align-top" data-action={e.action}>
              <td className="p-2 font-mono text-xs text-slate-500">{e.id}</td>
              <td className="whitespace-nowrap p-2 font-mono text-xs">
                <Time at={e.createdAt} now={now} />
              </td>
              <td className="p-2">
                {name && name !== e.actorLabel && <div className="font-medium">{name}</div>}
                <div className={name ? "text-xs text-slate-600" : undefined} data-testid="audit-actor-email">
                  {e.actorLabel}
                </div>
                {roles.length > 0 && <div className="text-xs text-slate-500">{roles.map((r) => ROLE_LABELS[r as Role] ?? r).join(", ")}</div>}
                {tokenId !== null && <div className="text-xs text-slate-500">via API token #{tokenId}</div>}
              </td>
              <td className="p-2">
                <p data-testid="audit-sentence">
                  {sentence.map((part, i) =>
                    typeof part === "string" ? (
                      <span key={i}>{part}</span>
                    ) : (
                      <Link key={i} href={part.href} className="text-sky-700 underline">
                        {part.text}
                      </Link>
                    ),
                  )}
                </p>
                <code className="text-xs text-slate-500">{e.action}</code>
              </td>
              <td className="p-2 text-xs">
                {e.subjectType ? (
                  subject?.href ? (
                    <Link href={subject.href} className="underline">{`${e.subjectType} ${e.subjectId ?? ""}`}</Link>
                  ) : (
                    `${e.subjectType} ${e.subjectId ?? ""}`
                  )
                ) : (
                  "—"
                )}
              </td>
              <td className="p-2 text-xs">{e.environment ?? "—"}</td>
              <td className="max-w-md p-2 text-xs">
                {fields.length > 0 && (
                  <dl className="grid grid-cols-[auto_1fr] gap-x-2">
                    {fields.map((f, i) => (
                      <div key={i} className="contents">
                        <dt className="text-slate-500">{f.label}</dt>
                        <dd className="break-all">
                          {f.before !== undefined ? (
                            <>
                              <del className="text-red-700">{f.before}</del> → <ins className="text-emerald-800 no-underline">{f.value}</ins>
                            </>
                          ) : (
                            f.value
                          )}
                        </dd>
                      </div>
                    ))}
                  </dl>
                )}
                {e.details !== "{}" && (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-slate-500">Raw JSON</summary>
                    <code className="block break-all text-slate-700">{e.details}</code>
                  </details>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
