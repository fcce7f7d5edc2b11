import { formatTime } from "@/lib/domain/format";
import { ActionForm } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";
import type { TokenStatus } from "@/lib/domain/api-token";
import { SCOPE_LABELS, type TokenScope } from "@/lib/domain/token-scopes";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

/** One token as a list shows it: never the secret, only its start. */
export interface TokenListItem {
  id: number;
  name: string;
  prefix: string;
  ownerEmail: string;
  scopes: TokenScope[];
  /** Scopes the owner's roles no longer grant anything of (the token cannot use them now). */
  idleScopes: TokenScope[];
  environment: string | null;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  lastUsedAddress: string | null;
  revokedAt: number | null;
  status: TokenStatus;
}

const STATUS_STYLE: Record<TokenStatus, string> = {
  active: "bg-emerald-100 text-emerald-900",
  expired: "bg-slate-200 text-slate-800",
  revoked: "bg-red-100 text-red-900",
};

/** A table of API tokens with a revoke button (and a confirmation) on each active one. */
export function TokenTable(props: { label: string; tokens: TokenListItem[]; revoke: Action; showOwner?: boolean }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full border-collapse text-sm" aria-label={props.label}>
        <thead className="bg-slate-100 text-left">
          <tr>
            <th className="p-2">Name</th>
            {props.showOwner && <th className="p-2">Owner</th>}
            <th className="p-2">Token</th>
            <th className="p-2">Scopes</th>
            <th className="p-2">Environment</th>
            <th className="p-2">Created (UTC)</th>
            <th className="p-2">Expires (UTC)</th>
            <th className="p-2">Last used</th>
            <th className="p-2">Status</th>
            <th className="p-2">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((t) => (
            <tr key={t.id} className="border-t border-slate-200 align-top" data-testid={`token-${t.id}`} data-token-name={t.name}>
              <td className="p-2 font-medium">{t.name}</td>
              {props.showOwner && <td className="p-2">{t.ownerEmail}</td>}
              <td className="p-2 font-mono text-xs">{t.prefix}…</td>
              <td className="p-2 text-xs">
                {t.scopes.map((s, i) => (
                  <span key={s}>
                    {i > 0 && ", "}
                    {t.idleScopes.includes(s) ? (
                      <s title="The owner's roles no longer allow this scope; the token cannot use it.">{SCOPE_LABELS[s]}</s>
                    ) : (
                      SCOPE_LABELS[s]
                    )}
                  </span>
                ))}
              </td>
              <td className="p-2 text-xs">{t.environment ?? "Any"}</td>
              <td className="whitespace-nowrap p-2 font-mono text-xs">{formatTime(t.createdAt)}</td>
              <td className="whitespace-nowrap p-2 font-mono text-xs">{formatTime(t.expiresAt)}</td>
              <td className="whitespace-nowrap p-2 font-mono text-xs">
                {t.lastUsedAt === null ? (
                  <span className="font-sans text-slate-500">Never</span>
                ) : (
                  <>
                    {formatTime(t.lastUsedAt)}
                    {t.lastUsedAddress && <div className="text-slate-500">from {t.lastUsedAddress}</div>}
                  </>
                )}
              </td>
              <td className="p-2">
                <span className={`rounded px-1.5 text-xs ${STATUS_STYLE[t.status]}`}>{t.status}</span>
              </td>
              <td className="p-2">
                {t.status === "active" && (
                  <ActionForm
                    action={props.revoke}
                    submitLabel="Revoke"
                    toast={`Token ${t.name} revoked.`}
                    pendingLabel="Revoking…"
                    variant="danger"
                    confirm={`Revoke the API token “${t.name}” (${t.prefix}…)${props.showOwner ? ` of ${t.ownerEmail}` : ""}? Anything using it gets 401 from its next call.`}
                    className="flex items-center gap-2"
                    aria-label={`Revoke ${t.name}`}
                  >
                    <input type="hidden" name="tokenId" value={t.id} />
                  </ActionForm>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
