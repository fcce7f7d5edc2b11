"use client";

/** Last-resort error page: a reference, never a stack trace. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-xl p-10">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-slate-600">The error was logged{error.digest ? ` with reference ${error.digest}` : ""}.</p>
      <button type="button" onClick={reset} className="mt-4 rounded bg-slate-900 px-3 py-1.5 text-white">
        Try again
      </button>
    </main>
  );
}
