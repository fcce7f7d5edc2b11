// npm run rollback -- --service S --env E                      (dry run: prints the plan)
// npm run rollback -- --service S --env E --apply --reason "..." [--wait] [--timeout s] [--json]
import { buildRollback } from "./commands/rollback";
import { runCli } from "./lib/program";

process.exitCode = await runCli(buildRollback, process.argv.slice(2));
