export function Forbidden({ what }: { what: string }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-6">
      <h1 className="text-xl font-semibold text-red-900">Forbidden</h1>
      <p className="mt-1 text-sm text-red-800">Your roles do not allow you to {what}. This attempt was recorded in the audit log.</p>
    </div>
  );
}
