import "server-only";
import { randomUUID } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { fieldNames } from "@/lib/domain/input-summary";
import { safeRedirectPath } from "@/lib/domain/safe-redirect";
import { env, oidcConfigured } from "@/lib/env";
import { recordSignOut, resolveOidcSignIn } from "@/lib/services/auth/record-session-event";
import { signInWithPassword } from "@/lib/services/auth/sign-in-with-password";
import { auditRefusal } from "@/lib/services/authz/audit-refusal";
import { clientAddress } from "./client-address";
import { needsUserinfo, OIDC_REFUSAL_ERROR, oidcIdentity } from "./oidc-identity";

const credentialsSchema = z.object({
  email: z.string().trim().min(1, "Enter your email.").max(320),
  password: z.string().min(1, "Enter your password.").max(1024),
});

interface OidcProfile {
  sub: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
}

function oidcProvider(): OAuthConfig<OidcProfile>[] {
  if (!oidcConfigured()) return [];
  const e = env();
  const issuer = e.OIDC_ISSUER!.replace(/\/$/, "");
  return [
    {
      id: "oidc",
      name: e.OIDC_NAME,
      type: "oauth",
      wellKnown: `${issuer}/.well-known/openid-configuration`,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      // The authorization-code flow with PKCE and state; openid-client checks the ID token's
      // signature (the provider's JWKS from discovery), iss (the discovered issuer), aud (our
      // client id), exp and iat before anything below runs.
      idToken: true,
      checks: ["pkce", "state"],
      userinfo: {
        // A provider that follows OpenID Connect Core 5.4 sends email/email_verified from the
        // UserInfo endpoint only: ask it when the ID token lacks them (openid-client refuses an
        // answer whose sub differs from the ID token's).
        async request({ tokens, client }) {
          // At run time `tokens` is openid-client's TokenSet from client.callback (idToken: true).
          const set = tokens as unknown as Parameters<typeof client.userinfo>[0] & { claims(): Record<string, unknown> };
          const claims = set.claims();
          if (!needsUserinfo(claims)) return claims;
          return { ...(await client.userinfo(set)), sub: claims.sub };
        },
      },
      profile: (p) => ({ id: p.sub, email: p.email ?? null, name: p.name ?? p.email ?? p.sub }),
    },
  ];
}

/** next-auth configuration: the JWT carries only the user id and the sign-in time. */
export function authOptions(): NextAuthOptions {
  return {
    secret: env().NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const parsed = credentialsSchema.safeParse(credentials);
          if (!parsed.success) {
            const message = parsed.error.issues[0]?.message ?? "Enter your email and password.";
            // Refused before any password check, and audited all the same (issue 10), under the refusal rate cap.
            auditRefusal({ actor: null, attempted: "auth.sign_in", code: "INVALID", message, requestId: randomUUID(), address: clientAddress(req.headers ?? {}), fields: fieldNames(credentials) });
            throw new Error(message);
          }
          const outcome = await signInWithPassword({ ...parsed.data, address: clientAddress(req.headers ?? {}) });
          // next-auth passes a thrown message to the sign-in form as `error`.
          if (!outcome.ok) throw new Error(outcome.message);
          return { id: String(outcome.userId) };
        },
      }),
      ...oidcProvider(),
    ],
    callbacks: {
      // Every redirect next-auth makes (after sign-in, OIDC callback, sign-out) stays on this origin.
      redirect({ url, baseUrl }) {
        const origin = new URL(baseUrl).origin;
        return `${origin}${safeRedirectPath(url, origin)}`;
      },
      signIn({ account, user, profile }) {
        if (account?.provider !== "oidc") return true;
        // The raw claims (ID token, or UserInfo above): email_verified is not in next-auth's `user`.
        const outcome = resolveOidcSignIn(oidcIdentity((profile ?? {}) as Record<string, unknown>), env().OIDC_ISSUER ?? "");
        if (!outcome.ok) return `/sign-in?error=${OIDC_REFUSAL_ERROR[outcome.refusal]}`;
        user.id = String(outcome.userId);
        return true;
      },
      jwt({ token, user }) {
        // Only the id and the sign-in time travel in the cookie; roles are read from the DB per request.
        if (user) return { sub: String(user.id), authTime: Date.now() };
        return { sub: token.sub, authTime: token.authTime };
      },
      session({ session, token }) {
        return { expires: session.expires, userId: token.sub ?? "", authTime: token.authTime ?? 0 };
      },
    },
    logger: {
      error(code, metadata) {
        console.error(`[next-auth][error][${code}]`, metadata);
        // A refused OIDC callback (state or PKCE check, a used or altered code, an ID token for
        // another issuer or audience, ...) never reaches signIn above: audit it here (M1), under
        // the refusal rate cap, with the reason openid-client or next-auth gave.
        if (code === "OAUTH_CALLBACK_ERROR") {
          const error = metadata instanceof Error ? metadata : metadata.error;
          auditRefusal({ actor: null, attempted: "auth.sign_in", code: "UNAUTHENTICATED", message: "Single sign-on callback refused", reason: `oidc: ${error?.message ?? code}`, requestId: randomUUID() });
        }
      },
    },
    events: {
      signOut({ token }) {
        const id = Number(token?.sub);
        if (Number.isInteger(id)) recordSignOut(id);
      },
    },
  };
}
