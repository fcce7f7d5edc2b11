// Creates (or re-enables) an account outside demo mode, e.g. the first administrator.
// Usage: npm run user:create -- --email ada@example.com --name "Ada" --role admin [--role sentinel]
// The password is read from FLIGHTDECK_PASSWORD or prompted on the terminal.
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { openDatabase } from "@/db/connection";
import { findUserByEmail, grantRole, insertUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { createUserInput } from "@/lib/domain/catalog-inputs";
import { hashPassword } from "@/lib/domain/password";

const { values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string", multiple: true } } });
const password =
  process.env.FLIGHTDECK_PASSWORD ??
  (await createInterface({ input: process.stdin, output: process.stdout }).question("Password (12+ characters): "));
const parsed = createUserInput.safeParse({ email: values.email, name: values.name ?? values.email, password, roles: values.role });
if (!parsed.success) {
  console.error(z.prettifyError(parsed.error));
  process.exit(2);
}
const input = parsed.data;
const { db, sqlite } = openDatabase();
if (findUserByEmail(db, input.email)) {
  console.error(`A user with email ${input.email} already exists; manage it in Settings -> Users.`);
  process.exit(1);
}
const passwordHash = await hashPassword(input.password);
writeTransaction(db, (tx) => {
  const now = Date.now();
  const user = insertUser(tx, { email: input.email, name: input.name, passwordHash, createdAt: now });
  recordAudit(tx, { actor: { kind: "system", label: "system" }, action: "user.create", subjectType: "user", subjectId: user.id, details: { email: user.email, via: "cli" } });
  for (const role of input.roles) {
    grantRole(tx, { userId: user.id, role, grantedBy: null, at: now });
    recordAudit(tx, { actor: { kind: "system", label: "system" }, action: "role.grant", subjectType: "user", subjectId: user.id, details: { email: user.email, role } });
  }
});
sqlite.close();
console.log(`created ${input.email} with roles: ${input.roles.join(", ") || "(none)"}`);
