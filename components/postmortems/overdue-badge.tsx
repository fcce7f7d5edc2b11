/** The red "Overdue" mark of a postmortem or an action item past its due time. */
export function OverdueBadge({ title, testId = "overdue-badge" }: { title: string; testId?: string }) {
  return (
    <span className="ml-2 inline-block rounded bg-red-100 px-1.5 py-0.5 text-xs font-semibold text-red-800" title={title} data-testid={testId}>
      Overdue
    </span>
  );
}
