import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { currentActor } from "@/lib/auth/session";
import { safeRedirectPath } from "@/lib/domain/safe-redirect";
import { demoMode, env, oidcConfigured, originSettings } from "@/lib/env";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  AccountDisabled: "Your account is disabled. Ask an administrator to enable it.",
  NoLocalAccount: "Single sign-on worked, but no enabled Flightdeck account uses that email. Ask an administrator.",
  OAuthSignin: "Single sign-on could not start. Try again or use your password.",
  OAuthCallback: "Single sign-on did not complete. Try again.",
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
