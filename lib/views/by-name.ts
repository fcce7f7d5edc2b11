import { InvalidError } from "@/lib/errors";

/**
 * A row the API body names (the REST API takes services and environments by name): the row, or
 * a 400 field error on that field ("There is no service named ...").
 */
export function byName<T>(row: T | undefined, field: string, what: "service" | "environment", name: string): T {
  if (!row) throw new InvalidError("Please correct the highlighted fields.", { [field]: [`There is no ${what} named "${name}".`] });
  return row;
}
