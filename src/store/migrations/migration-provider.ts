/**
 * The store's migrations, listed in code rather than found by scanning a folder: a folder
 * scan breaks once compiled to dist/ (.js, not .ts) and under bundlers, a static list works
 * from tsx, vitest and dist/ alike.
 *
 * @example
 * await migrateToLatest(db, SQLITE_DIALECT); // throws naming the migration that failed
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import type { Database } from "../schema.js";
import type { SqlDialect } from "../sql-dialect.js";
import { restTablesMigration } from "./001-rest-tables.js";
import { healthTablesMigration } from "./002-health-tables.js";
import { remediationActionsMigration } from "./003-remediation-actions.js";
import { healingTablesMigration } from "./004-healing-tables.js";
import { cyclesAndRestQualityMigration } from "./005-cycles-and-rest-quality.js";
import { kernelRetirementMigration } from "./006-kernel-retirement.js";
import { accessTokensMigration } from "./007-access-tokens.js";
import { clusterMigration } from "./008-cluster.js";
import { fenceFunctionMigration } from "./009-fence-function.js";
import { stagingTablesMigration } from "./010-staging-tables.js";
import { kernelCheckpointsMigration } from "./011-kernel-checkpoints.js";

/**
 * Every migration, by name. Names sort in the order they must run; never rename or
 * reorder one that has shipped, add a new one instead.
 */
export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    "001_rest_tables": restTablesMigration(dialect),
    "002_health_tables": healthTablesMigration(dialect),
    "003_remediation_actions": remediationActionsMigration(dialect),
    "004_healing_tables": healingTablesMigration(dialect),
    "005_cycles_and_rest_quality": cyclesAndRestQualityMigration(dialect),
    "006_kernel_retirement": kernelRetirementMigration(dialect),
    "007_access_tokens": accessTokensMigration(dialect),
    "008_cluster": clusterMigration(dialect),
    "009_fence_function": fenceFunctionMigration(dialect),
    "010_staging_tables": stagingTablesMigration(dialect),
    "011_kernel_checkpoints": kernelCheckpointsMigration(dialect),
  };
  return { getMigrations: async () => migrations };
}

/** Runs every pending migration; a no-op when the schema is current. */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<void> {
  // Unordered: branches built side by side each add a migration (006 and 007 here), and a
  // database migrated by one must still take the other's when it lands, lower number or not.
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), allowUnorderedMigrations: true });
  // Kysely reports a failure as a result set rather than throwing halfway.
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === "Error")?.migrationName;
  // No failed migration: it never got that far (no connection, no lock); the driver's error says why.
  if (failed === undefined) throw error;
  const detail = error instanceof Error ? error.message : String(error);
  throw new Error(`migration ${failed} failed: ${detail}`, { cause: error });
}
