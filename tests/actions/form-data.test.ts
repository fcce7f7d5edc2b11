import { describe, expect, it } from "vitest";
import { formDataToObject } from "@/lib/actions/form-data";

describe("formDataToObject", () => {
  it("repeated keys become arrays, files their names, Next's $ACTION fields are dropped", () => {
    const form = new FormData();
    form.append("$ACTION_ID_abc", "");
    form.append("roles", "admin");
    form.append("roles", "viewer");
    form.append("name", "Ann");
    form.append("upload", new File(["x"], "../../etc/passwd"));
    expect(formDataToObject(form)).toEqual({ roles: ["admin", "viewer"], name: "Ann", upload: "../../etc/passwd" });
  });

  it("a field named __proto__ or constructor is an own field, never the prototype (fuzz test, issue 10)", () => {
    const form = new FormData();
    form.append("__proto__", "a");
    form.append("__proto__", "b");
    form.append("constructor", "c");
    const out = formDataToObject(form);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual(["a", "b"]);
    expect(Object.getOwnPropertyDescriptor(out, "constructor")?.value).toBe("c");
  });
});
