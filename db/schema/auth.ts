import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    name: text("name").notNull(),
    /** scrypt$N$r$p$salt$hash, or null for accounts that only sign in through OIDC. */
    passwordHash: text("password_hash"),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    /** Seeded demo account: refused at sign-in unless demo mode is on. */
    demo: integer("demo", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch('subsec') * 1000)`),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

export const userRoles = sqliteTable(
  "user_roles",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").notNull(),
    grantedBy: integer("granted_by").references(() => users.id),
    grantedAt: integer("granted_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.role] })],
);

/** Every sign-in attempt; the throttle reads recent failures per (email, address). */
export const signInAttempts = sqliteTable(
  "sign_in_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    address: text("address").notNull(),
    success: integer("success", { mode: "boolean" }).notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("sign_in_attempts_lookup").on(t.email, t.address, t.at)],
);

/**
 * CLI / CI tokens (REQUIREMENTS A5): only the sha256 of the secret is stored, with its
 * non-secret start for lists. Scopes are names of lib/domain/token-scopes.ts; the environment
 * limit is an environment's name (a renamed environment leaves the token acting on nothing).
 */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** e.g. "fdk_ab12": the first characters of the secret, shown in lists. */
    prefix: text("prefix").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    environment: text("environment"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedBy: integer("revoked_by").references(() => users.id),
    /** Written at most once a minute per token (lib/domain/api-token.ts). */
    lastUsedAt: integer("last_used_at"),
    lastUsedAddress: text("last_used_address"),
  },
  (t) => [uniqueIndex("api_tokens_hash_unique").on(t.tokenHash), index("api_tokens_user").on(t.userId)],
);
