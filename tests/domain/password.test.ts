import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "@/lib/domain/password";

describe("hashPassword", () => {
  it("stores scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key", async () => {
    const stored = await hashPassword("correct horse battery");
    const parts = stored.split("$");
    expect(parts).toHaveLength(6);
    expect(parts.slice(0, 4)).toEqual(["scrypt", "32768", "8", "1"]);
    expect(Buffer.from(parts[4]!, "base64")).toHaveLength(16);
    expect(Buffer.from(parts[5]!, "base64")).toHaveLength(32);
    expect(stored).not.toContain("correct horse");
  });

  it("salts: the same password hashes differently each time", async () => {
    const [a, b] = await Promise.all([hashPassword("same password!"), hashPassword("same password!")]);
    expect(a).not.toBe(b);
  });
});

describe("verifyPassword", () => {
  let stored = "";
  const password = "Zoë's passphrase ✈";

  it.each<{ name: string; attempt: string | (() => string); stored?: () => string | null | undefined; ok: boolean }>([
    { name: "right password", attempt: password, ok: true },
    { name: "NFKC-equivalent spelling", attempt: password.normalize("NFD"), ok: true },
    { name: "wrong password", attempt: "Zoë's passphrase ✈!", ok: false },
    { name: "empty password", attempt: "", ok: false },
    { name: "case differs", attempt: password.toUpperCase(), ok: false },
    { name: "null stored hash", attempt: password, stored: () => null, ok: false },
    { name: "undefined stored hash", attempt: password, stored: () => undefined, ok: false },
    { name: "malformed: too few parts", attempt: password, stored: () => "scrypt$1$2", ok: false },
    { name: "malformed: wrong algorithm", attempt: password, stored: () => stored.replace(/^scrypt/, "bcrypt"), ok: false },
    { name: "malformed: plain text", attempt: password, stored: () => password, ok: false },
    { name: "tampered key", attempt: password, stored: () => stored.replace(/\$[^$]+$/, `$${Buffer.alloc(32, 1).toString("base64")}`), ok: false },
    { name: "truncated key", attempt: password, stored: () => stored.replace(/\$[^$]+$/, `$${Buffer.alloc(8, 1).toString("base64")}`), ok: false },
  ])("$name -> $ok", async ({ attempt, stored: s, ok }) => {
    if (!stored) stored = await hashPassword(password);
    const value = typeof attempt === "function" ? attempt() : attempt;
    await expect(verifyPassword(value, s ? s() : stored)).resolves.toBe(ok);
  });

  it("verifies hashes made with other scrypt parameters (read from the stored text)", async () => {
    const { scryptSync } = await import("node:crypto");
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync("older password", salt, 32, { N: 1024, r: 8, p: 1 });
    const old = ["scrypt", 1024, 8, 1, salt.toString("base64"), key.toString("base64")].join("$");
    await expect(verifyPassword("older password", old)).resolves.toBe(true);
    await expect(verifyPassword("other password", old)).resolves.toBe(false);
  });
});
