import type { CalendarWindow } from "@/lib/domain/windows/calendar";
import { monthGrid } from "@/lib/domain/windows/month-grid";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** One UTC month as a grid: freeze days and maintenance windows marked (F2). */
export function MonthCalendar({ year, month0, windows }: { year: number; month0: number; windows: readonly CalendarWindow[] }) {
  const weeks = monthGrid(year, month0, windows);
  return (
    <table className="text-xs" aria-label={`${MONTHS[month0]} ${year}`}>
      <caption className="mb-1 text-left text-sm font-medium">
        {MONTHS[month0]} {year}
      </caption>
      <thead>
        <tr>
          {["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].map((d) => (
            <th key={d} className="w-8 font-normal text-slate-500">
              {d}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {weeks.map((week, i) => (
          <tr key={i}>
            {week.map((c, j) => {
              const freeze = c.windows.some((w) => w.kind === "freeze");
              const maintenance = c.windows.some((w) => w.kind === "maintenance");
              const style = freeze ? "bg-indigo-600 text-white" : maintenance ? "bg-amber-200" : "";
              return (
                <td key={j} className={`h-7 w-8 rounded text-center ${style}`} title={c.windows.map((w) => w.name).join(", ") || undefined} data-freeze={freeze || undefined} data-maintenance={maintenance || undefined}>
                  {c.day === null ? "" : new Date(c.day).getUTCDate()}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
