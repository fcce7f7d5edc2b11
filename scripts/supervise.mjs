// Keeps `npm start`'s web server and worker running: a child that dies is restarted after a
// second, and the console says so. A child that keeps dying right after it starts (five times in
// a row within ten seconds of its start) is given up on: `giveUp` decides what happens next.
import { spawn } from "node:child_process";

export const RESTART_MS = 1000;
export const QUICK_DEATH_MS = 10_000;
export const MAX_QUICK_DEATHS = 5;

export function supervisor({ cwd, env, isStopping, giveUp, log = (m) => console.error(m), restartMs = RESTART_MS }) {
  const children = new Map();
  return {
    /** Starts `cmd args` as `name` and restarts it whenever it exits while not stopping. */
    supervise(name, cmd, args) {
      let quickDeaths = 0;
      const launch = () => {
        const startedAt = Date.now();
        const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
        children.set(name, child);
        child.on("exit", (code, signal) => {
          if (isStopping()) return;
          quickDeaths = Date.now() - startedAt < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
          if (quickDeaths >= MAX_QUICK_DEATHS) {
            log(`${name} exited (${signal ?? code}) ${quickDeaths} times in a row right after starting; giving up. Its output above says why.`);
            giveUp(name);
            return;
          }
          log(`${name} exited (${signal ?? code}); restarting it in ${restartMs / 1000} s`);
          setTimeout(() => isStopping() || launch(), restartMs);
        });
      };
      launch();
    },
    /** The current process of `name`. */
    child: (name) => children.get(name),
    /** Every current child process. */
    current: () => [...children.values()],
  };
}
