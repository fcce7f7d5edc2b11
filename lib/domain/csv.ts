/**
 * One CSV cell: quoted when it could break a row, spreadsheet formulas neutralised (a leading
 * =, +, -, @, tab or CR gets an apostrophe), anything but text, numbers and booleans empty.
 */
export function csvCell(v: unknown): string {
  if (typeof v === "number" && v >= 0) return String(v); // nothing to quote or neutralise (the common case of an export)
  const s = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A CSV document: the header row, then the rows, CRLF-free (one `\n` per row). */
export const csvOf = (header: readonly string[], rows: readonly (readonly unknown[])[]): string => [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
