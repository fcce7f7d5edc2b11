import type { Db } from "@/db/connection";
import type { Actor } from "@/lib/domain/actor";
import { DAY_MS, createTokenInput } from "@/lib/domain/api-token";
import { ROLES, type Role } from "@/lib/domain/roles";
import { TOKEN_SCOPES, type TokenScope } from "@/lib/domain/token-scopes";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { revokeApiToken } from "@/lib/services/tokens/revoke-api-token";
import { ROLE_ACCOUNTS } from "../../../e2e/support/accounts";
import type { Api, ApiAnswer, CallOptions } from "../../../e2e-api/support/operation-cases";
import { insertUserWithRoles } from "../../support/db";
import { routeFileFor, routeParams } from "./route-files";

/**
 * The REST API called in-process: a request goes to the route module Next would answer it with
 * (the app/ folders, tests/api/support/route-files.ts), as a real Request with a real token.
 */
export async function invoke(method: string, path: string, opts: CallOptions & { token?: string } = {}): Promise<Response> {
  const urlPath = path.split("?")[0]!;
  const route = routeFileFor(urlPath);
  if (!route) throw new Error(`no route file answers ${path}`);
  const mod = (await import(/* @vite-ignore */ route.file)) as Record<string, (req: Request, ctx: unknown) => Promise<Response>>;
  const handler = mod[method];
  if (!handler) throw new Error(`${route.file} has no ${method}`);
  const headers: Record<string, string> = { "x-forwarded-for": "198.51.100.9", ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const req = new Request(`http://localhost${path}`, { method, headers, body });
  return handler(req, { params: Promise.resolve(routeParams(route, urlPath)) });
}

export async function answerOf(res: Response): Promise<ApiAnswer> {
  const text = await res.text();
  let body: unknown = text;
  if (/json/.test(res.headers.get("content-type") ?? "")) body = text ? (JSON.parse(text) as unknown) : undefined;
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

/** One user per role (holding just that role). */
export function roleUsers(db: Db): Record<Role, Actor> {
  return Object.fromEntries(ROLES.map((role) => [role, insertUserWithRoles(db, `${role.replace(/_/g, "-")}@matrix.test`, [role])])) as Record<Role, Actor>;
}

/**
 * A token of `owner` with these scopes, whatever the owner's roles allow now (made as if the
 * roles had allowed them when it was created: a scope never lifts anyone above their roles).
 */
export function tokenFor(owner: Actor, opts: { scopes?: readonly TokenScope[]; environment?: string; expired?: boolean; revoked?: boolean } = {}): string {
  const input = createTokenInput.parse({ name: "matrix", scopes: [...(opts.scopes ?? TOKEN_SCOPES)], environment: opts.environment, expiresInDays: 1 });
  const created = createApiToken({ ...owner, roles: [...ROLES] }, input, undefined, opts.expired ? { now: Date.now() - 2 * DAY_MS } : {});
  if (opts.revoked) revokeApiToken(owner, { tokenId: created.id });
  return created.secret;
}

/** The Api of the operation cases, in-process: each demo account key is the user of its role, with a full token. */
export class InProcessApi implements Api {
  readonly memo = new Map<string, unknown>();
  private readonly tokens = new Map<string, string>();

  constructor(private readonly users: Record<Role, Actor>) {}

  tokenOf(role: Role): string {
    let t = this.tokens.get(role);
    if (!t) {
      t = tokenFor(this.users[role]);
      this.tokens.set(role, t);
    }
    return t;
  }

  async call(as: string, method: string, path: string, opts: CallOptions = {}): Promise<ApiAnswer> {
    const account = ROLE_ACCOUNTS.find((a) => a.key === as);
    if (!account) throw new Error(`no role account ${as}`);
    return answerOf(await invoke(method, path, { ...opts, token: this.tokenOf(account.role) }));
  }
}
