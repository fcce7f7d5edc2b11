"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { safeRedirectPath } from "@/lib/domain/safe-redirect";

export function SignInForm(props: { callbackUrl: string; initialError?: string; oidc?: { name: string } }) {
  const router = useRouter();
  const [error, setError] = useState(props.initialError);
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => {
      const v = form.get(name);
      return typeof v === "string" ? v : "";
    };
    const email = text("email").trim();
    const password = text("password");
    const missing = { email: email ? undefined : "Enter your email.", password: password ? undefined : "Enter your password." };
    setFieldErrors(missing);
    if (missing.email || missing.password) return;
    setPending(true);
    setError(undefined);
    const res = await signIn("credentials", { email, password, redirect: false });
    setPending(false);
    if (!res || res.error) {
      setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Email or password is incorrect.");
      return;
    }
    // Checked again here: the prop is only as safe as every page that renders this form.
    router.replace(safeRedirectPath(props.callbackUrl, window.location.origin));
    router.refresh();
  }

  return (
    <>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="mt-4 space-y-4" aria-describedby={error ? "sign-in-error" : undefined}>
        <div>
          <label htmlFor="email" className="block text-sm font-medium">
            Email
          </label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            className="mt-1 w-full rounded border border-slate-300 px-2 py-1.5"
            aria-invalid={fieldErrors.email ? true : undefined}
            aria-describedby={fieldErrors.email ? "email-error" : undefined}
          />
          {fieldErrors.email && (
            <p id="email-error" className="mt-1 text-sm text-red-700">
              {fieldErrors.email}
            </p>
          )}
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium">
            Password
          </label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            className="mt-1 w-full rounded border border-slate-300 px-2 py-1.5"
            aria-invalid={fieldErrors.password ? true : undefined}
            aria-describedby={fieldErrors.password ? "password-error" : undefined}
          />
          {fieldErrors.password && (
            <p id="password-error" className="mt-1 text-sm text-red-700">
              {fieldErrors.password}
            </p>
          )}
        </div>
        {error && (
          <p id="sign-in-error" role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <button type="submit" disabled={pending} className="w-full rounded bg-slate-900 px-3 py-2 font-medium text-white disabled:opacity-60">
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {props.oidc && (
        <button
          type="button"
          onClick={() => void signIn("oidc", { callbackUrl: safeRedirectPath(props.callbackUrl, window.location.origin) })}
          className="mt-3 w-full rounded border border-slate-300 px-3 py-2 font-medium"
        >
          Sign in with {props.oidc.name}
        </button>
      )}
    </>
  );
}
