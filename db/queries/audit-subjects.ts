import { eq, inArray } from "drizzle-orm";
import type { Executor } from "../connection";
import { environments, featureFlags, incidents, releases, rollouts, services, users } from "../schema";

// Names of the people and subjects an audit page shows (lib/views/audit-context.ts): one query per kind.

export const peopleByIds = (db: Executor, ids: readonly number[]) =>
  ids.length ? db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, [...ids])).all() : [];

export const rolloutLabels = (db: Executor, ids: readonly number[]) =>
  ids.length
    ? db
        .select({ id: rollouts.id, version: rollouts.toVersion, service: services.name, environment: environments.name })
        .from(rollouts)
        .innerJoin(services, eq(services.id, rollouts.serviceId))
        .innerJoin(environments, eq(environments.id, rollouts.environmentId))
        .where(inArray(rollouts.id, [...ids]))
        .all()
    : [];

export const releaseLabels = (db: Executor, ids: readonly number[]) =>
  ids.length
    ? db.select({ id: releases.id, version: releases.version, service: services.name }).from(releases).innerJoin(services, eq(services.id, releases.serviceId)).where(inArray(releases.id, [...ids])).all()
    : [];

export const incidentTitles = (db: Executor, ids: readonly number[]) =>
  ids.length ? db.select({ id: incidents.id, title: incidents.title }).from(incidents).where(inArray(incidents.id, [...ids])).all() : [];

export const flagKeys = (db: Executor, ids: readonly number[]) =>
  ids.length ? db.select({ id: featureFlags.id, key: featureFlags.key }).from(featureFlags).where(inArray(featureFlags.id, [...ids])).all() : [];

export const serviceNames = (db: Executor, ids: readonly number[]) =>
  ids.length ? db.select({ id: services.id, name: services.name }).from(services).where(inArray(services.id, [...ids])).all() : [];

export const environmentNames = (db: Executor, ids: readonly number[]) =>
  ids.length ? db.select({ id: environments.id, name: environments.name }).from(environments).where(inArray(environments.id, [...ids])).all() : [];
