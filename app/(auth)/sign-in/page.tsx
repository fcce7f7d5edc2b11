import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { currentActor } from "@/lib/auth/session";
import { safeRedirectPath } from "@/lib/domain/safe-redirect";
import { demoMode, env, oidcConfigured, originSettings } from "@/lib/env";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  AccountDisabled: "Your account is disabled. Ask an administrator to enable it.",
  NoLocalAccount: "Single sign-on worked, but no Flightdeck account uses that email. Ask an administrator to create one for you.",
  OidcEmailUnverified: "Your identity provider has not verified your email address, so Flightdeck cannot match it to an account. Verify it there, then try again.",
  OidcNoEmail: "Your identity provider did not send an email address, so Flightdeck cannot match you to an account. Ask an administrator.",
  OAuthSignin: "Single sign-on could not start. Try again or use your password.",
  OAuthCallback:
    "Single sign-on was refused: Flightdeck could not verify the identity provider's answer (an expired, reused or altered sign-in link, or a token not meant for Flightdeck). Start again from this page.",
  Callback: "Single sign-on did not complete. Start again from this page.",
  SessionRequired: "Please sign in.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Only a path on this origin: "//evil.example", "/\\evil.example" and the like become "/" (issue 10).
  const callbackUrl = safeRedirectPath(params.callbackUrl, originSettings().appOrigin);
  if (await currentActor()) redirect(callbackUrl);
  const errorKey = typeof params.error === "string" ? params.error : undefined;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-xl font-semibold">Sign in to Flightdeck</h1>
        <SignInForm
          callbackUrl={callbackUrl}
          initialError={errorKey ? (ERRORS[errorKey] ?? "Sign-in failed. Try again.") : undefined}
          oidc={oidcConfigured() ? { name: env().OIDC_NAME } : undefined}
        />
        {demoMode() && (
          <p className="mt-4 text-xs text-slate-500">
            Demo mode: sign in as <code>captain@flightdeck.local</code>, <code>admin@flightdeck.local</code>, … with password{" "}
            <code>flightdeck-demo</code>.
          </p>
        )}
      </div>
    </main>
  );
}
