/** Whether a process with this pid exists (signal 0 checks without touching it). */
export function processAlive(pid: number | undefined | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
