import { z } from "zod";
import { deployTargetJsonSchema } from "./deploy-target";
import { migrationCatalogJsonSchema } from "./migration-catalog";
import { roleSchema } from "./roles";

const slug = z
  .string()
  .trim()
  .min(2, "Use at least 2 characters.")
  .max(40, "Use at most 40 characters.")
  .regex(/^[a-z][a-z0-9-]*$/, "Use lowercase letters, digits and dashes, starting with a letter.");

const id = z.coerce.number().int().positive();
const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
  .optional()
  .transform((v) => v === true || v === "on" || v === "true");

export const serviceInput = z.object({
  name: slug,
  description: z.string().trim().max(500, "Use at most 500 characters.").default(""),
  owner: z.string().trim().min(1, "Name the owning team or person.").max(120),
  deployTarget: deployTargetJsonSchema,
  /** The service's migration catalog (JSON); releases pick from it by id. Left out: none (create) or unchanged (update). */
  migrations: migrationCatalogJsonSchema.optional(),
});
export const updateServiceInput = serviceInput.extend({ id, rowVersion: id });
export const deleteInput = z.object({ id, rowVersion: id });

export const environmentInput = z.object({
  name: slug,
  description: z.string().trim().max(500, "Use at most 500 characters.").default(""),
  production: checkbox,
  sortOrder: z.coerce.number().int().min(0).max(1000).default(0),
});
export const updateEnvironmentInput = environmentInput.extend({ id, rowVersion: id });

const password = z.string().min(12, "Use at least 12 characters.").max(200, "Use at most 200 characters.");

export const createUserInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.").max(320, "Use at most 320 characters.")),
  name: z.string().trim().min(1, "Enter a name.").max(120),
  password,
  roles: z
    .union([roleSchema, z.array(roleSchema)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
});
export const setRolesInput = z.object({
  userId: id,
  roles: z
    .union([roleSchema, z.array(roleSchema)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
});
export const setDisabledInput = z.object({ userId: id, disabled: checkbox });
export const resetPasswordInput = z.object({ userId: id, password });
