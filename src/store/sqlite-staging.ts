/**
 * SQLite only: a hot history table's new rows are appended to a "recent" twin with no index
 * (migration 010), and moved into the table, ids kept, once enough have gathered.
 *
 * Why: SQLite's WAL writes every page a commit touches, whole. A group of rows from several
 * kernels touches one far-apart leaf of the table's per-kernel index for each kernel: in a
 * group of five fatigue reports, 8 of the 12 pages it wrote. Appended to the twin, the group
 * writes a page or two, and a move touches each kernel's leaf once for hundreds of rows.
 * Reads take the union of the two; the twin's ids continue the table's, so "newest first"
 * with ties broken by id means the same across both.
 *
 * @example
 * const fatigue = new SqliteStaging(writer, "fatigue_recent", "fatigue_snapshots", FATIGUE_COLUMNS);
 * await fatigue.write(rows, { before: [kernelUpserts] });
 */
import {
  rowInsertSql,
  rowsInsertSql,
  type SqliteDirectWriter,
  type WriteStep,
} from "./sqlite-direct-writer.js";

/**
 * Staged rows that make a move: each move touches each kernel's leaf of the kernel index once
 * for this many rows, and holds the event loop for a few ms.
 */
export const STAGED_ROWS_PER_MOVE = 512;

/**
 * Staged rows go in INSERTs of up to this many rows each, not a statement a row. Why: the
 * twin's AUTOINCREMENT reads and rewrites its sqlite_sequence row once per statement, and each
 * statement is a call into SQLite: a group of seven snapshots cost 6-10 % less CPU a row, and
 * writes of 100 staged rows up to a fifth less (measured on this VM, through the store). Each
 * row count is its own SQL text, prepared once and kept by the writer, so at most this many
 * texts. Rows going straight into the table keep a statement a row: into a table with two
 * indexes, the same multi-row INSERTs cost about 40 % more a row (16.7 against 24 µs in a
 * batch of 500).
 */
export const ROWS_PER_INSERT = 16;

/**
 * A write of this many rows goes straight to the table: it touches each kernel's leaf for
 * several rows already (a batch of 500 snapshots from 100 kernels), and staging it would
 * write every row twice.
 */
export const STRAIGHT_TO_TABLE_ROWS = 128;

export class SqliteStaging {
  /** The INSERT of n rows (index n − 1), in `columns`' order, into the twin. */
  private readonly recentInserts: string[];
  /** The INSERT of one row into the table. */
  private readonly tableInsert: string;
  private readonly move: WriteStep[];
  /** The table's sequence raised to the twin's at least: its next id follows every staged one. */
  private readonly raiseTableSequence: WriteStep[];
  /** The twin's sequence raised to the table's, after rows went straight into the table. */
  private readonly followTableSequence: WriteStep[];
  /** Rows appended since the last move; 0 at start, so a bound on the twin's size, not its count. */
  private staged = 0;

  constructor(
    private readonly writer: SqliteDirectWriter,
    recent: string,
    table: string,
    columns: readonly string[],
  ) {
    const list = columns.join(", ");
    this.recentInserts = Array.from({ length: ROWS_PER_INSERT }, (_, i) =>
      rowsInsertSql(recent, columns, i + 1),
    );
    this.tableInsert = rowInsertSql(table, columns);
    this.move = [
      { sql: `insert into ${table} (id, ${list}) select id, ${list} from ${recent} order by id`, rows: [[]] },
      { sql: `delete from ${recent}`, rows: [[]] },
    ];
    this.raiseTableSequence = sequenceAtLeast(table, `coalesce(${sequenceOf(recent)}, 0)`);
    this.followTableSequence = sequenceAtLeast(recent, `coalesce(${sequenceOf(table)}, 0)`);
  }

  /**
   * Writes `rows` (in `columns`' order) in one transaction with the `before` and `after`
   * steps, then counts what was staged and moves it once enough has gathered. The rows are
   * appended to the twin when they are few; a batch of STRAIGHT_TO_TABLE_ROWS or more goes
   * straight into the table, after the staged rows (moved in the same transaction) and with
   * the ids after theirs.
   */
  async write(
    rows: readonly (readonly unknown[])[],
    { before = [], after = [] }: { before?: readonly WriteStep[]; after?: readonly WriteStep[] } = {},
  ): Promise<void> {
    await this.writer.run([...before, ...this.steps(rows), ...after]);
    if (rows.length >= STRAIGHT_TO_TABLE_ROWS) this.staged = 0;
    else await this.added(rows.length);
  }

  private steps(rows: readonly (readonly unknown[])[]): WriteStep[] {
    if (rows.length === 0) return [];
    if (rows.length < STRAIGHT_TO_TABLE_ROWS) return inserts(this.recentInserts, rows);
    return [
      ...this.move,
      ...this.raiseTableSequence,
      { sql: this.tableInsert, rows },
      ...this.followTableSequence,
    ];
  }

  /**
   * Counts `rows` committed to the twin and, past STAGED_ROWS_PER_MOVE, moves them all. The
   * rows are committed either way, so a move that fails does not fail the requests whose
   * writes were kept: its rows stay staged (reads see them there), and the next move is tried
   * after as many rows again, not on every write. A database that keeps refusing the move
   * refuses the next large batch too, which carries a move in its own transaction and fails
   * with the database's error.
   */
  async added(rows: number): Promise<void> {
    this.staged += rows;
    if (this.staged < STAGED_ROWS_PER_MOVE) return;
    this.staged = 0;
    try {
      await this.writer.run(this.move);
    } catch {
      // Kept staged; see above.
    }
  }
}

/** `rows` as INSERTs of up to ROWS_PER_INSERT rows each (`texts[n − 1]` holds n rows), in order. */
function inserts(texts: readonly string[], rows: readonly (readonly unknown[])[]): WriteStep[] {
  const steps: WriteStep[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const end = Math.min(rows.length, start + ROWS_PER_INSERT);
    // One statement's parameters: the rows' values one after another.
    const params: unknown[] = [];
    for (let i = start; i < end; i++) for (const value of rows[i] as readonly unknown[]) params.push(value);
    steps.push({ sql: texts[end - start - 1] as string, rows: [params] });
  }
  return steps;
}

const sequenceOf = (name: string) => `(select seq from sqlite_sequence where name = '${name}')`;

/**
 * `name`'s AUTOINCREMENT sequence raised to `value` at least, its row created when missing
 * (SQLite creates it only at the table's first insert, and sqlite_sequence has no key to upsert on).
 */
function sequenceAtLeast(name: string, value: string): WriteStep[] {
  return [
    { sql: `update sqlite_sequence set seq = max(seq, ${value}) where name = '${name}'`, rows: [[]] },
    {
      sql: `insert into sqlite_sequence (name, seq) select '${name}', ${value} where not exists (select 1 from sqlite_sequence where name = '${name}')`,
      rows: [[]],
    },
  ];
}
