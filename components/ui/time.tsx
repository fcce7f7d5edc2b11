import { formatAgo, formatTime } from "@/lib/domain/format";

/** A moment as the whole UI shows it: absolute UTC, and how long ago when `now` is given. */
export function Time({ at, now, className }: { at: number; now?: number; className?: string }) {
  const iso = new Date(at).toISOString();
  return (
    <time dateTime={iso} title={iso} className={className}>
      {formatTime(at)}
      {now !== undefined && <span className="block text-slate-500">{formatAgo(at, now)}</span>}
    </time>
  );
}
