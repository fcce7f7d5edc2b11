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

const credentialsSchema = z.object({
  email: z.string().trim().min(1, "Enter your email.").max(320),
  password: z.string().min(1, "Enter your password.").max(1024),
});

interface OidcProfile {
  sub: string;
  email?: string;
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
      idToken: true,
      checks: ["pkce", "state"],
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
      signIn({ account, user }) {
        if (account?.provider !== "oidc") return true;
        const id = resolveOidcSignIn(user.email, env().OIDC_ISSUER ?? "");
        if (id === null) return "/sign-in?error=NoLocalAccount";
        user.id = String(id);
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
    events: {
      signOut({ token }) {
        const id = Number(token?.sub);
        if (Number.isInteger(id)) recordSignOut(id);
      },
    },
  };
}
