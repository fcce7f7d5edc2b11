// npm run fd -- status|watch|promote|abort|pause|resume|retry <rolloutId> | override ... | gate [status|mode <m>]
import { buildFd } from "./commands/fd";
import { runCli } from "./lib/program";

process.exitCode = await runCli(buildFd, process.argv.slice(2));
