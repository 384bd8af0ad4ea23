/**
 * The tasks a Durable Object holds for 2026-era clients (the tasks
 * extension): which job each task follows, which tool it runs as, and when
 * it expires.
 *
 * ## Storage layout
 * `tasks`: one row per task: its id, the job it follows, the tool that
 * shows the job's result, its creation time and its time to live in ms.
 *
 * ## Lifecycle
 * A row is written before the `tools/call` that creates the task is
 * answered (the object's output gate holds the answer until the write is
 * durable), so a `tasks/get` that follows always finds it, on any instance
 * and after a restart. A task past its `ttlMs` is gone: reading it deletes
 * it, and the session's own expiry (SESSION_TTL_SECONDS after its last
 * job, never sooner than a task's `ttlMs`) deletes the object's storage.
 * @module
 */
import { SqlTables, type SqlRow } from "../storage/sql";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ttl_ms INTEGER NOT NULL
  )`
];

export interface TaskRecord {
  id: string;
  jobId: string;
  /** The tool the task runs as: it shows the job's result. */
  tool: string;
  createdAt: number;
  ttlMs: number;
}

interface TaskRow extends SqlRow {
  id: string;
  job_id: string;
  tool: string;
  created_at: number;
  ttl_ms: number;
}

export class TaskStore {
  private readonly tables: SqlTables;

  constructor(sql: SqlStorage) {
    this.tables = new SqlTables(sql, { table: "tasks", schema: SCHEMA });
  }

  create(task: TaskRecord): void {
    this.tables.create();
    this.tables.query(
      "INSERT INTO tasks (id, job_id, tool, created_at, ttl_ms) VALUES (?, ?, ?, ?, ?)",
      task.id,
      task.jobId,
      task.tool,
      task.createdAt,
      task.ttlMs
    );
  }

  /** The task, unless there is none or it has expired (then it is deleted). */
  get(taskId: string, now = Date.now()): TaskRecord | undefined {
    const [row] = this.tables.query<TaskRow>("SELECT * FROM tasks WHERE id = ?", taskId);
    if (!row) return undefined;
    if (now >= row.created_at + row.ttl_ms) {
      this.tables.query("DELETE FROM tasks WHERE id = ?", taskId);
      return undefined;
    }
    return { id: row.id, jobId: row.job_id, tool: row.tool, createdAt: row.created_at, ttlMs: row.ttl_ms };
  }

  /** When the last task expires (0 when there is none): the object must live until then. */
  lastExpiry(): number {
    const [row] = this.tables.query<{ last: number | null }>("SELECT MAX(created_at + ttl_ms) AS last FROM tasks");
    return row?.last ?? 0;
  }
}
