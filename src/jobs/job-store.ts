/**
 * Jobs in the session's SQLite.
 *
 * ## Storage layout
 * `jobs`: one row per job, keyed by id; `state` is checked against the job
 * states; checkpoint columns (`bytes_uploaded`, `upload_url`, `file_name`,
 * `text`) are written as each stage advances, so a restart resumes there.
 * `details` is JSON (see `JobDetails`); tables made before it existed get it
 * added on first use. `usage` is JSON: our `TokenUsage`, or in older rows
 * Gemini's raw `usageMetadata`, which is mapped as it is read.
 * @module
 */
import { storedTokenUsage } from "../gemini/usage";
import { JOB_STATES, type AnalysisInput, type Job, type JobDetails, type JobState } from "./job";

const SCHEMA = `CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  input TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN (${JOB_STATES.map((state) => `'${state}'`).join(", ")})),
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  bytes_uploaded INTEGER NOT NULL DEFAULT 0,
  total_bytes INTEGER,
  mime_type TEXT,
  upload_url TEXT,
  file_name TEXT,
  file_uri TEXT,
  text TEXT NOT NULL DEFAULT '',
  error TEXT,
  usage TEXT,
  details TEXT NOT NULL DEFAULT '{}'
)`;

type Row = {
  id: string;
  input: string;
  state: string;
  message: string;
  created_at: number;
  updated_at: number;
  bytes_uploaded: number;
  total_bytes: number | null;
  mime_type: string | null;
  upload_url: string | null;
  file_name: string | null;
  file_uri: string | null;
  text: string;
  error: string | null;
  usage: string | null;
  details: string;
};

const COLUMN_BY_FIELD = {
  state: "state",
  message: "message",
  bytesUploaded: "bytes_uploaded",
  totalBytes: "total_bytes",
  mimeType: "mime_type",
  uploadUrl: "upload_url",
  fileName: "file_name",
  fileUri: "file_uri",
  text: "text",
  error: "error",
  usage: "usage",
  details: "details"
} as const satisfies Partial<Record<keyof Job, string>>;

export type JobUpdate = Partial<Pick<Job, keyof typeof COLUMN_BY_FIELD>>;

function fromRow(row: Row): Job {
  return {
    id: row.id,
    input: JSON.parse(row.input) as AnalysisInput,
    state: row.state as JobState,
    message: row.message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    bytesUploaded: row.bytes_uploaded,
    totalBytes: row.total_bytes,
    mimeType: row.mime_type,
    uploadUrl: row.upload_url,
    fileName: row.file_name,
    fileUri: row.file_uri,
    text: row.text,
    error: row.error,
    usage: (row.usage && storedTokenUsage(JSON.parse(row.usage))) || null,
    details: JSON.parse(row.details) as JobDetails
  };
}

export class JobStore {
  private tableExists = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number = Date.now
  ) {}

  /** Reads find nothing, and write nothing, until the first job is created. */
  private query<T extends Record<string, SqlStorageValue>>(query: string, ...values: SqlStorageValue[]): T[] {
    if (!this.tableExists) {
      this.tableExists = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").toArray().length > 0;
      if (this.tableExists) this.addMissingColumns();
    }
    return this.tableExists ? this.sql.exec<T>(query, ...values).toArray() : [];
  }

  private addMissingColumns(): void {
    const columns = this.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('jobs')").toArray();
    if (!columns.some((column) => column.name === "details")) {
      this.sql.exec("ALTER TABLE jobs ADD COLUMN details TEXT NOT NULL DEFAULT '{}'");
    }
  }

  private rows(query: string, ...values: SqlStorageValue[]): Row[] {
    return this.query<Row>(query, ...values);
  }

  create(id: string, input: AnalysisInput): Job {
    if (!this.tableExists) {
      this.sql.exec(SCHEMA);
      this.tableExists = true;
    }
    const now = this.now();
    this.rows(
      "INSERT INTO jobs (id, input, state, message, created_at, updated_at) VALUES (?, ?, 'queued', 'starting the analysis', ?, ?)",
      id,
      JSON.stringify(input),
      now,
      now
    );
    return this.get(id)!;
  }

  get(id: string): Job | undefined {
    const [row] = this.rows("SELECT * FROM jobs WHERE id = ?", id);
    return row ? fromRow(row) : undefined;
  }

  /** Writes the given fields and returns the job as stored. */
  update(id: string, update: JobUpdate): Job {
    const entries = Object.entries(update) as [keyof JobUpdate, unknown][];
    const assignments = entries.map(([field]) => `${COLUMN_BY_FIELD[field]} = ?`);
    const values = entries.map(([field, value]) =>
      (field === "usage" || field === "details") && value !== null ? JSON.stringify(value) : (value as SqlStorageValue)
    );
    const [row] = this.rows(
      `UPDATE jobs SET ${[...assignments, "updated_at = ?"].join(", ")} WHERE id = ? RETURNING *`,
      ...values,
      this.now(),
      id
    );
    if (!row) throw new Error(`No job ${id}`);
    return fromRow(row);
  }

  /** Jobs not yet in a final state, oldest first. */
  active(): Job[] {
    return this.rows("SELECT * FROM jobs WHERE state NOT IN ('done', 'failed', 'cancelled') ORDER BY created_at").map(fromRow);
  }

  /** When any job last changed, or 0. */
  latestUpdate(): number {
    return this.query<{ at: number | null }>("SELECT max(updated_at) AS at FROM jobs")[0]?.at ?? 0;
  }

  list(limit = 50): Job[] {
    return this.rows("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", limit).map(fromRow);
  }
}
