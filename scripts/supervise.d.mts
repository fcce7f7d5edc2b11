// Types of supervise.mjs (npm start's supervision of the web server and the worker).
import type { ChildProcess } from "node:child_process";

export declare const RESTART_MS: number;
export declare const QUICK_DEATH_MS: number;
export declare const MAX_QUICK_DEATHS: number;
export interface Supervisor {
  supervise(name: string, cmd: string, args: string[]): void;
  child(name: string): ChildProcess | undefined;
  current(): ChildProcess[];
}
export declare function supervisor(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  isStopping: () => boolean;
  giveUp: (name: string) => void;
  log?: (message: string) => void;
  restartMs?: number;
}): Supervisor;
