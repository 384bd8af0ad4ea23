/**
 * The one way the stores talk to the Durable Object's SQLite: parameterised
 * queries that raise `SqlError(query, cause)`, on tables made on first write.
 * A store that has never written reads nothing and leaves no storage behind
 * (a one-off `/rpc` call in a fresh object creates no table).
 * @module
 */

/** A query that failed, with the statement's first line in the message and the cause kept. */
export class SqlError extends Error {
  constructor(
    readonly query: string,
    cause: unknown
  ) {
    super(`SQL failed: ${query.split("\n")[0]}`, { cause });
    this.name = "SqlError";
  }
}

export type SqlRow = Record<string, SqlStorageValue>;

export interface SqlTablesOptions {
  /** The table whose presence says the schema was made. */
  table: string;
  /** `CREATE TABLE IF NOT EXISTS …` statements, run by `create()`. */
  schema: readonly string[];
  /** Brings a table an earlier version made up to date; runs once, when it is first found. */
  migrate?: (sql: SqlStorage) => void;
}

/**
 * A store's tables: `query()` runs a statement once they exist (and returns
 * no rows before), `create()` makes them. Existence is looked up until found,
 * then remembered; call `forget()` after the storage is deleted.
 */
export class SqlTables {
  private known = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly options: SqlTablesOptions
  ) {}

  /** True once the tables exist (made here, or by an earlier instance). */
  exists(): boolean {
    if (!this.known) {
      this.known = this.run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", this.options.table).length > 0;
      if (this.known) this.options.migrate?.(this.sql);
    }
    return this.known;
  }

  /** Makes the tables if they are missing. */
  create(): void {
    if (this.exists()) return;
    for (const statement of this.options.schema) this.run(statement);
    this.known = true;
  }

  /** Runs `query` with `?` bound to `values`; no rows while the tables do not exist. */
  query<T extends SqlRow = SqlRow>(query: string, ...values: SqlStorageValue[]): T[] {
    return this.exists() ? this.run<T>(query, ...values) : [];
  }

  /** For a store whose storage was deleted (`deleteAll`): the tables are gone. */
  forget(): void {
    this.known = false;
  }

  private run<T extends SqlRow>(query: string, ...values: SqlStorageValue[]): T[] {
    try {
      return this.sql.exec<T>(query, ...values).toArray();
    } catch (error) {
      throw new SqlError(query, error);
    }
  }
}
