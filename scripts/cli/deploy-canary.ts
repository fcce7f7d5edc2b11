// npm run deploy:canary -- [--service S] --env E --version V [--strategy file.json] [--wait] [--timeout s] [--json]
import { buildDeployCanary } from "./commands/deploy-canary";
import { runCli } from "./lib/program";

process.exitCode = await runCli(buildDeployCanary, process.argv.slice(2));
