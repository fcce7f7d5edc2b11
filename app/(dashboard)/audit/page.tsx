import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { AuditTable } from "@/components/audit/audit-table";
import { ChainBadge } from "@/components/audit/chain-badge";
import { EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listAuditEvents } from "@/db/queries/audit";
import { listEnvironments } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { AUDIT_ACTIONS } from "@/lib/domain/audit-actions";
import { auditQuerySchema, firstValues } from "@/lib/domain/audit-filter";
import { can } from "@/lib/domain/permissions";

export const metadata: Metadata = { title: "Audit" };

type Params = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditPage({ searchParams }: { searchParams: Params }) {
  const { actor } = await authorizePage("audit.read", "/audit");
  const raw = firstValues(await searchParams);
  const parsed = auditQuerySchema.safeParse(raw);
  const query = parsed.success ? parsed.data : auditQuerySchema.parse({});
  const db = getDb();
  const { before, limit, ...filter } = query;
  const page = listAuditEvents(db, filter, { before, limit });
  // Filter choices come from the closed set of verbs and the environments table, not a scan of the log.
  const environments = listEnvironments(db).map((e) => e.name);

  const keep = new URLSearchParams(Object.entries(raw).filter(([k, v]) => v && k !== "before"));
  const olderHref = page.nextBefore ? `/audit?${new URLSearchParams({ ...Object.fromEntries(keep), before: String(page.nextBefore) }).toString()}` : undefined;
  const exportHref = (format: string) => `/api/audit/export?${new URLSearchParams({ ...Object.fromEntries(keep), format }).toString()}`;

  return (
    <>
      <PageHeader
        title="Audit timeline"
        description="Append-only and hash-chained: every state change, decision, denial and sign-in."
        actions={
          <Suspense fallback={<span className="rounded-full bg-slate-100 px-3 py-1 text-sm">Verifying chain…</span>}>
            <ChainBadge />
          </Suspense>
        }
      />
      <form method="get" className="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-6" aria-label="Filter audit events">
        <label className="text-sm">
          <span className="block font-medium">Actor</span>
          <input name="actor" defaultValue={raw.actor} placeholder="email or system" className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="text-sm">
          <span className="block font-medium">Action</span>
          <select name="action" defaultValue={raw.action ?? ""} className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium">Environment</span>
          <select name="environment" defaultValue={raw.environment ?? ""} className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
            <option value="">Any</option>
            {environments.map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium">From (UTC)</span>
          <input type="datetime-local" name="from" defaultValue={raw.from} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="text-sm">
          <span className="block font-medium">To (UTC)</span>
          <input type="datetime-local" name="to" defaultValue={raw.to} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <div className="flex items-end gap-2">
          <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-sm text-white">
            Filter
          </button>
          <Link href="/audit" className="rounded border border-slate-300 px-3 py-1.5 text-sm">
            Clear
          </Link>
        </div>
        {!parsed.success && (
          <p role="alert" className="text-sm text-red-700 sm:col-span-6">
            {parsed.error.issues.map((i) => i.message).join(" ")} Showing all events instead.
          </p>
        )}
      </form>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2 text-sm">
        <span className="text-slate-600">
          {before ? `Events older than #${before}` : "Newest events"} · {page.events.length} shown
        </span>
        {can(actor.roles, "audit.export") && (
          <span className="flex gap-2">
            <a href={exportHref("json")} className="rounded border border-slate-300 bg-white px-2 py-1">
              Export JSON
            </a>
            <a href={exportHref("csv")} className="rounded border border-slate-300 bg-white px-2 py-1">
              Export CSV
            </a>
            <a
              href="/api/audit/export?format=bundle"
              title="The whole trail with its signed checkpoints and public key: npm run audit:verify -- --bundle FILE checks it offline"
              className="rounded border border-slate-300 bg-white px-2 py-1"
            >
              Export verifiable bundle
            </a>
          </span>
        )}
      </div>
      {page.events.length === 0 ? <EmptyState>No audit events match these filters.</EmptyState> : <AuditTable events={page.events} />}
      <nav aria-label="Audit pages" className="mt-4 flex gap-3 text-sm">
        {before && (
          <Link href={`/audit?${keep.toString()}`} className="rounded border border-slate-300 bg-white px-3 py-1.5">
            ← Newest
          </Link>
        )}
        {olderHref && (
          <Link href={olderHref} className="rounded border border-slate-300 bg-white px-3 py-1.5">
            Older →
          </Link>
        )}
      </nav>
    </>
  );
}
