import { describe, expect, it } from "vitest";
import { imageTag, parseStatusOutput } from "./status";

describe("command driver status output", () => {
  it("weight only (the format before versions existed): no versions", () => {
    expect(parseStatusOutput("weight=42\n")).toEqual({ weight: 42, versions: [] });
    expect(parseStatusOutput("nothing here")).toEqual({ weight: 0, versions: [] });
  });

  it("versions by name or by image, with and without ready replicas; empty ones skipped", () => {
    const out = ["weight: 10", "stable=1.4.0", "canary-image=registry.example.com:5000/team/app:1.5.0 ready=2/3", "canary-image= ready=/", "other line"].join("\n");
    expect(parseStatusOutput(out)).toEqual({
      weight: 10,
      versions: [
        { version: "1.4.0", role: "stable", healthy: true, detail: "reported by the status command" },
        { version: "1.5.0", role: "canary", healthy: true, detail: "2/3 replicas ready" },
      ],
    });
    expect(parseStatusOutput("weight=\nstable-image=app:2 ready=/2\n")).toEqual({
      weight: 0,
      versions: [{ version: "2", role: "stable", healthy: false, detail: "no replica ready (0/2)" }],
    });
  });

  it("an image's tag or digest; none without a tag", () => {
    expect(imageTag("registry.example.com:5000/team/app:1.5.0")).toBe("1.5.0");
    expect(imageTag("app@sha256:abc")).toBe("sha256:abc");
    expect(imageTag("registry.example.com:5000/team/app")).toBe("");
  });
});
