import type { CommandPreview } from "@/lib/services/releases/release-commands";

/**
 * The exact commands an approval lets run (issue 10), as code: each migration's and each
 * deployment's deploy-target commands, all defined by admins in service settings.
 */
export function CommandList({ preview, environment }: { preview: CommandPreview; environment: string }) {
  return (
    <div data-testid="command-list">
      <p className="mb-2 text-xs text-slate-600">
        Defined by admins in each service&apos;s settings; a release cannot carry a command. Shown as they will run in {environment}: values known now are filled in
        (shell-quoted), per-step ones stay as {"{{weight}}"} and the like. Commands run without Flightdeck&apos;s secrets and never as root. If an admin changes any of
        them, approvals given before no longer count.
      </p>
      {preview.commands.length === 0 ? (
        <p className="text-sm">No commands.</p>
      ) : (
        <table className="w-full text-sm" aria-label="Commands">
          <thead className="text-left">
            <tr>
              <th className="w-32">Service</th>
              <th className="w-56">Step</th>
              <th>Command</th>
            </tr>
          </thead>
          <tbody>
            {preview.commands.map((c, i) => (
              <tr key={i} className="border-t border-slate-200 align-top" data-step={c.step} data-service={c.service}>
                <td className="py-1">{c.service}</td>
                <td className="py-1">{c.step}</td>
                <td className="py-1">
                  <pre className="whitespace-pre-wrap break-all rounded bg-slate-100 px-2 py-1">
                    <code>{c.command}</code>
                  </pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {preview.notes.length > 0 && (
        <ul className="mt-2 list-disc pl-5 text-xs text-slate-600" aria-label="Migrations without a command">
          {preview.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
