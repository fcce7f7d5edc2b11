import "server-only";
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const CLK_TCK = 100;
const last = new Map<number, { ticks: number; at: number }>();

export interface ProcessUsage {
  /** Percent of one core over the time since the previous reading (null on the first). */
  cpuPct: number | null;
  rssBytes: number;
  /** Resident memory as a percentage of the machine's memory. */
  memoryPct: number;
}

/**
 * CPU and memory of a process from /proc/<pid>/stat (utime + stime) and /proc/<pid>/status
 * (VmRSS). Null when the process is gone.
 */
export function processUsage(pid: number, now = Date.now()): ProcessUsage | null {
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    last.delete(pid);
    return null;
  }
  // Fields after the parenthesised command name (which may contain spaces): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const prev = last.get(pid);
  last.set(pid, { ticks, at: now });
  const cpuPct = prev && now > prev.at ? Math.max(0, ((ticks - prev.ticks) / CLK_TCK / ((now - prev.at) / 1000)) * 100) : null;
  const rssBytes = rssKb * 1024;
  return { cpuPct, rssBytes, memoryPct: (100 * rssBytes) / totalmem() };
}
