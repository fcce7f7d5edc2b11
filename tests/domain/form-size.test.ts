import { describe, expect, it } from "vitest";
import { ACTION_BODY_LIMIT_BYTES, oversizeErrors } from "@/lib/domain/form-size";

const MB = 1024 * 1024;

describe("the browser's size guard before a server action is sent (issue 10)", () => {
  it("a 10 MB change log with its limit declared: the server's own wording, on that field only", () => {
    const errors = oversizeErrors([
      { name: "version", chars: 5, bytes: 5 },
      { name: "changeLog", chars: 10 * MB, bytes: 10 * MB, maxLength: 10_000 },
      { name: "rollbackPlan", chars: 40, bytes: 40, maxLength: 10_000 },
    ]);
    expect(errors).toEqual({ changeLog: ["At most 10,000 characters (this has 10,485,760)."] });
  });

  it("without a declared limit the largest fields are flagged until the rest fits under Next's body limit", () => {
    const errors = oversizeErrors([
      { name: "a", chars: 10, bytes: 10 },
      { name: "notes", chars: 3 * MB, bytes: 3 * MB },
      { name: "other", chars: 0.8 * MB, bytes: 0.8 * MB },
    ]);
    expect(Object.keys(errors ?? {})).toEqual(["notes"]);
    expect(errors!.notes![0]).toBe("Too large to send: 3.0 MB (a form can send at most 1.0 MB in all). Shorten it.");
    expect(oversizeErrors([{ name: "x", chars: 1, bytes: 0.7 * MB }, { name: "y", chars: 1, bytes: 0.7 * MB }])).toEqual({ x: [expect.stringContaining("Too large to send")] });
  });

  it("multi-byte text counts its UTF-8 bytes; a form within its limits passes", () => {
    expect(oversizeErrors([{ name: "t", chars: 300_000, bytes: 1_200_000 }])).not.toBeNull();
    expect(oversizeErrors([{ name: "t", chars: 9_999, bytes: 40_000, maxLength: 10_000 }])).toBeNull();
    expect(ACTION_BODY_LIMIT_BYTES).toBe(MB);
  });
});
