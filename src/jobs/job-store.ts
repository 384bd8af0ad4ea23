/**
 * Jobs in the session's SQLite.
 *
 * ## Storage layout
 * `jobs`: one row per job, keyed by id; `state` is checked against the job
 * states; checkpoint columns (`bytes_uploaded`, `upload_url`, `file_name`,
 * `text`) are written as each stage advances, so a restart resumes there.
 * `details` is JSON (see `JobDetails`); tables made before it existed get it
 * added on first use. `usage` is JSON: our `TokenUsage`, or in older rows
 * Gemini's raw `usageMetadata`, which is mapped as it is read. `input` is
 * JSON (see `AnalysisInput`); rows stored before it held `source` get it
 * derived from their `videoUrl` as they are read.
 * @module
 */
import { storedTokenUsage } from "../gemini/usage";
import { SqlTables, type SqlRow } from "../storage/sql";
import {
  IllegalTransitionError,
  JOB_STATES,
  statesLeadingTo,
  type AnalysisInput,
  type GeneratingJob,
  type Job,
  type JobDetails,
  type JobState,
  type JobUsage
} from "./job";
import { parseVideoSource, type VideoSource } from "./source-check";

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
} as const;

/** What a job moving into each state brings with it. */
interface Arrival {
  queued: object;
  uploading: object;
  processing: { fileName: string; fileUri: string };
  generating: object;
  done: { text: string; usage: JobUsage | null };
  failed: { error: string };
  cancelled: { error: string };
}

/** Fields any update may change: the job's own, `text` (the answer so far) while generating. */
type Changes = Partial<
  Pick<Job, "message" | "bytesUploaded" | "totalBytes" | "mimeType" | "uploadUrl" | "fileName" | "fileUri" | "details"> &
    Pick<GeneratingJob, "text">
>;

/** An update of a job: changed fields, or a move to another state with what that state needs. */
export type JobUpdate = Changes & ({ state?: undefined } | { [S in JobState]: { state: S } & Arrival[S] }[JobState]);

/**
 * The input as stored. Rows of earlier versions hold the URL alone, checked
 * by `start` before they were stored, so it parses; were it not to, the URL
 * guard still checks it when the video is fetched.
 */
function inputFromRow(json: string): AnalysisInput {
  // SAFETY: `create` is the one writer of `input`, from an `AnalysisInput` (without `source` in earlier versions).
  const input = JSON.parse(json) as Omit<AnalysisInput, "source"> & { source?: VideoSource };
  if (input.source) return input as AnalysisInput;
  let source: VideoSource;
  try {
    source = parseVideoSource(input.videoUrl);
  } catch {
    source = { kind: "url", url: input.videoUrl };
  }
  return { ...input, source };
}

function fromRow(row: Row): Job {
  const base = {
    id: row.id,
    input: inputFromRow(row.input),
    message: row.message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    bytesUploaded: row.bytes_uploaded,
    totalBytes: row.total_bytes,
    mimeType: row.mime_type,
    uploadUrl: row.upload_url,
    fileName: row.file_name,
    fileUri: row.file_uri,
    // SAFETY: `update` is the one writer of `details`, from a `JobDetails`.
    details: JSON.parse(row.details) as JobDetails
  };
  // The columns a state needs were written by the move into it (see `JobUpdate`).
  // SAFETY: the table's CHECK keeps `state` one of JOB_STATES.
  const state = row.state as JobState;
  switch (state) {
    case "queued":
    case "uploading":
      return { ...base, state };
    case "processing":
      return { ...base, state, fileName: row.file_name ?? "", fileUri: row.file_uri ?? "" };
    case "generating":
      return { ...base, state, fileUri: row.file_uri ?? "", text: row.text };
    case "done":
      return {
        ...base,
        state,
        fileUri: row.file_uri ?? "",
        text: row.text,
        usage: (row.usage && storedTokenUsage(JSON.parse(row.usage))) || null
      };
    case "failed":
    case "cancelled":
      return { ...base, state, error: row.error ?? "" };
  }
}

/** Brings a `jobs` table an earlier version made up to date. */
function addMissingColumns(sql: SqlStorage): void {
  const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('jobs')").toArray();
  if (!columns.some((column) => column.name === "details")) {
    sql.exec("ALTER TABLE jobs ADD COLUMN details TEXT NOT NULL DEFAULT '{}'");
  }
}

export class JobStore {
  private readonly tables: SqlTables;

  constructor(
    sql: SqlStorage,
    private readonly now: () => number = Date.now
  ) {
    this.tables = new SqlTables(sql, { table: "jobs", schema: [SCHEMA], migrate: addMissingColumns });
  }

  /** Reads find nothing, and write nothing, until the first job is created. */
  private query<T extends SqlRow>(query: string, ...values: SqlStorageValue[]): T[] {
    return this.tables.query<T>(query, ...values);
  }

  private rows(query: string, ...values: SqlStorageValue[]): Row[] {
    return this.query<Row>(query, ...values);
  }

  create(id: string, input: AnalysisInput): Job {
    this.tables.create();
    const now = this.now();
    this.rows(
      "INSERT INTO jobs (id, input, state, message, created_at, updated_at) VALUES (?, ?, 'queued', 'starting the analysis', ?, ?)",
      id,
      JSON.stringify(input),
      now,
      now
    );
    // SAFETY: inserted just above.
    return this.get(id)!;
  }

  get(id: string): Job | undefined {
    const [row] = this.rows("SELECT * FROM jobs WHERE id = ?", id);
    return row ? fromRow(row) : undefined;
  }

  /** Writes the given fields and returns the job as stored. */
  update(id: string, update: JobUpdate): Job {
    // SAFETY: `Object.entries` loses the key type: JobUpdate's keys are COLUMN_BY_FIELD's (the type is built from it).
    const entries = Object.entries(update).filter(([, value]) => value !== undefined) as [
      keyof typeof COLUMN_BY_FIELD,
      unknown
    ][];
    const assignments = entries.map(([field]) => `${COLUMN_BY_FIELD[field]} = ?`);
    const values = entries.map(([field, value]) =>
      // SAFETY: JobUpdate's fields other than usage and details are strings, numbers or null.
      (field === "usage" || field === "details") && value !== null ? JSON.stringify(value) : (value as SqlStorageValue)
    );
    // A state change happens here only, and only along JOB_TRANSITIONS: the row is updated in a legal state or not at all.
    const to = update.state;
    const from = to === undefined ? [] : statesLeadingTo(to);
    const guard = to === undefined ? "" : ` AND state IN (${from.map(() => "?").join(", ")})`;
    const [row] = this.rows(
      `UPDATE jobs SET ${[...assignments, "updated_at = ?"].join(", ")} WHERE id = ?${guard} RETURNING *`,
      ...values,
      this.now(),
      id,
      ...from
    );
    if (row) return fromRow(row);
    const current = this.get(id);
    if (!current) throw new Error(`No job ${id}`);
    // SAFETY: the job exists, so the update matched no row only because the state guard refused `to`.
    throw new IllegalTransitionError(id, current.state, to!);
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
