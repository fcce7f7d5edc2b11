import { describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_TARGET, deployTargetJsonSchema, deployTargetSchema } from "@/lib/domain/deploy-target";

const commands = { deploy: "./deploy.sh", setWeight: "./weight.sh", promote: "./promote.sh", rollback: "./rollback.sh", status: "./status.sh" };

function messages(text: string): string[] {
  const r = deployTargetJsonSchema.safeParse(text);
  return r.success ? [] : r.error.issues.map((i) => i.message);
}

describe("deploy target: valid", () => {
  it.each([
    { name: "local, defaults filled in", input: { driver: "local" }, output: { driver: "local", entry: "sample-service", routerPort: 4000, healthPath: "/health" } },
    {
      name: "local, all fields",
      input: { driver: "local", entry: "./server.js", routerPort: 4100, healthPath: "/healthz" },
      output: { driver: "local", entry: "./server.js", routerPort: 4100, healthPath: "/healthz" },
    },
    { name: "local, entry trimmed", input: { driver: "local", entry: "  app.js " }, output: { driver: "local", entry: "app.js", routerPort: 4000, healthPath: "/health" } },
    { name: "local, port bounds 1024", input: { driver: "local", routerPort: 1024 }, output: { driver: "local", entry: "sample-service", routerPort: 1024, healthPath: "/health" } },
    { name: "local, port bounds 65535", input: { driver: "local", routerPort: 65535 }, output: { driver: "local", entry: "sample-service", routerPort: 65535, healthPath: "/health" } },
    {
      name: "pm2",
      input: { driver: "pm2", script: "dist/server.js", mainPort: 5000, canaryPort: 5001 },
      output: { driver: "pm2", script: "dist/server.js", mainPort: 5000, canaryPort: 5001, healthPath: "/health" },
    },
    { name: "command, default timeout", input: { driver: "command", commands }, output: { driver: "command", commands, timeoutSeconds: 300 } },
    { name: "command, explicit timeout", input: { driver: "command", commands, timeoutSeconds: 3600 }, output: { driver: "command", commands, timeoutSeconds: 3600 } },
  ])("$name", ({ input, output }) => {
    expect(deployTargetJsonSchema.parse(JSON.stringify(input))).toEqual(output);
    expect(deployTargetSchema.parse(input)).toEqual(output);
  });

  it("DEFAULT_LOCAL_TARGET is itself valid", () => {
    expect(deployTargetSchema.parse(DEFAULT_LOCAL_TARGET)).toEqual(DEFAULT_LOCAL_TARGET);
  });
});

describe("deploy target: invalid", () => {
  it.each<{ name: string; text: string; message: string | RegExp }>([
    { name: "not JSON", text: "{driver: local}", message: "Deploy target must be valid JSON." },
    { name: "empty text", text: "", message: "Deploy target must be valid JSON." },
    { name: "unknown driver", text: JSON.stringify({ driver: "docker" }), message: "Driver: Unknown driver: choose one of local, pm2, command, proxy." },
    { name: "missing driver", text: JSON.stringify({ entry: "x" }), message: "Driver: Unknown driver: choose one of local, pm2, command, proxy." },
    { name: "JSON null", text: "null", message: /.+/ },
    { name: "JSON array", text: "[]", message: /.+/ },
    { name: "local port below 1024", text: JSON.stringify({ driver: "local", routerPort: 80 }), message: "Router port: Port must be 1024 or above." },
    { name: "local port above 65535", text: JSON.stringify({ driver: "local", routerPort: 70000 }), message: "Router port: Port must be 65535 or below." },
    { name: "local port not an integer", text: JSON.stringify({ driver: "local", routerPort: 4000.5 }), message: /^Router port: / },
    { name: "local port as string", text: JSON.stringify({ driver: "local", routerPort: "4000" }), message: /^Router port: / },
    { name: "local health path without slash", text: JSON.stringify({ driver: "local", healthPath: "health" }), message: "Health path: Health path must start with /." },
    { name: "local extra key", text: JSON.stringify({ driver: "local", image: "nginx" }), message: /image/ },
    { name: "pm2 without script", text: JSON.stringify({ driver: "pm2", mainPort: 5000, canaryPort: 5001 }), message: /^Script: / },
    { name: "pm2 empty script", text: JSON.stringify({ driver: "pm2", script: "  ", mainPort: 5000, canaryPort: 5001 }), message: "Script: PM2 needs the script to run." },
    { name: "pm2 equal ports", text: JSON.stringify({ driver: "pm2", script: "s.js", mainPort: 5000, canaryPort: 5000 }), message: "Canary port: Canary port must differ from main port." },
    { name: "pm2 canary port out of range", text: JSON.stringify({ driver: "pm2", script: "s.js", mainPort: 5000, canaryPort: 99999 }), message: "Canary port: Port must be 65535 or below." },
    { name: "pm2 extra key", text: JSON.stringify({ driver: "pm2", script: "s.js", mainPort: 5000, canaryPort: 5001, instances: 4 }), message: /instances/ },
    { name: "command missing a command", text: JSON.stringify({ driver: "command", commands: { ...commands, status: undefined } }), message: /^Commands, status: / },
    { name: "command empty command", text: JSON.stringify({ driver: "command", commands: { ...commands, deploy: " " } }), message: "Commands, deploy: Command cannot be empty." },
    { name: "command extra command", text: JSON.stringify({ driver: "command", commands: { ...commands, nuke: "rm -rf /" } }), message: /nuke/ },
    { name: "command extra top-level key", text: JSON.stringify({ driver: "command", commands, shell: "/bin/zsh" }), message: /shell/ },
    { name: "command timeout 0", text: JSON.stringify({ driver: "command", commands, timeoutSeconds: 0 }), message: /^Timeout seconds: / },
    { name: "command timeout too long", text: JSON.stringify({ driver: "command", commands, timeoutSeconds: 3601 }), message: /^Timeout seconds: / },
  ])("$name", ({ text, message }) => {
    const found = messages(text);
    expect(found.length).toBeGreaterThan(0);
    if (typeof message === "string") expect(found).toContain(message);
    else expect(found.some((m) => message.test(m)), `messages: ${JSON.stringify(found)}`).toBe(true);
  });
});
