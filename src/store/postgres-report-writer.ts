/**
 * PostgreSQL only: a group of fatigue reports (the hot write path, issue 15) as one call of
 * migration 009's `autonomic_report_group`, sent as a NAMED prepared statement straight on a
 * pooled connection instead of through Kysely.
 *
 * Why: an unnamed statement is parsed, analysed and planned by PostgreSQL for every group;
 * a named one once per connection, which took about a tenth off the database's CPU per group
 * here. Kysely cannot name a statement, and its building and compiling of the same constant
 * text for every group was a measurable share of the server's own time per group.
 *
 * The pool is the store's own (under a cluster, the fenced pool, which fills the null
 * generation in and turns the fence's refusal into NotLeaderError), so a group goes through
 * exactly the checks any other write does.
 *
 * @example
 * const writer = new PostgresReportWriter(pool);
 * await writer.run(JSON.stringify(kernelRows), JSON.stringify(fatigueRows));
 */

/** The statement's name on every connection; its text never changes under this name. */
export const REPORT_GROUP_STATEMENT = "autonomic_report_group";

/** Its text: $1 the generation (null outside a cluster), $2 the kernels' rows, $3 the reports, as JSON arrays. */
export const REPORT_GROUP_SQL = "select autonomic_report_group($1::bigint, $2::jsonb, $3::jsonb)";

/** A pg query given as a config object: the form that can name a prepared statement. */
export interface NamedQuery {
  name: string;
  text: string;
  values: unknown[];
}

/** The little of a pg pool the writer uses (pg.Pool, or the cluster's fenced pool). */
export interface ReportPool {
  connect(): Promise<{ query(query: NamedQuery): Promise<unknown>; release(): void }>;
}

export class PostgresReportWriter {
  constructor(private readonly pool: ReportPool) {}

  /** Upserts the kernels' rows and appends the reports in one statement, its own transaction. */
  async run(kernelRows: string, fatigueRows: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query({
        name: REPORT_GROUP_STATEMENT,
        text: REPORT_GROUP_SQL,
        values: [null, kernelRows, fatigueRows],
      });
    } finally {
      client.release();
    }
  }
}
