/**
 * The register of shared uploads that the object named after a video keeps
 * (`SharedUploads` is how jobs reach it): which file, kept by which object,
 * holds that video now, and whether anyone else has read it.
 *
 * An upload stays its uploader's: it goes when its session ends, as it
 * always did, unless another object read it; then this object adopts it
 * (`owner_session` NULL) and it goes when this object ends, a
 * SESSION_TTL_SECONDS after the video was last asked about.
 *
 * ## Storage layout
 * `shared_uploads`: one row per video URL; `owner_session` is the object
 * that keeps the file (NULL once adopted here); `borrowed` is 1 once another
 * object found it; `used_at` is when it was last offered or found. The
 * table is made on first write.
 * @module
 */
import { SqlTables } from "../storage/sql";
import {
  REUSE_MARGIN_MS,
  VIDEO_FILE_COLUMN_NAMES,
  VIDEO_FILE_COLUMNS,
  type VideoFile,
  type VideoFileRow,
  videoFileFromRow,
  videoFileValues
} from "./video-files";

const SCHEMA = `CREATE TABLE IF NOT EXISTS shared_uploads (
  ${VIDEO_FILE_COLUMNS},
  owner_session TEXT,
  borrowed INTEGER NOT NULL,
  used_at INTEGER NOT NULL
)`;

type Row = VideoFileRow & {
  owner_session: string | null;
  borrowed: number;
  used_at: number;
};

export class UploadRegistry {
  private readonly tables: SqlTables;

  constructor(
    sql: SqlStorage,
    private readonly now: () => number = Date.now
  ) {
    this.tables = new SqlTables(sql, { table: "shared_uploads", schema: [SCHEMA] });
  }

  private rows(query: string, ...values: SqlStorageValue[]): Row[] {
    return this.tables.query<Row>(query, ...values);
  }

  /** The file for `videoUrl` from the source `sourceTag` names, with time left; `reader` is marked as having read it. */
  find(videoUrl: string, sourceTag: string, reader: string): VideoFile | undefined {
    const [row] = this.rows(
      "SELECT * FROM shared_uploads WHERE video_url = ? AND source_tag = ? AND expires_at > ?",
      videoUrl,
      sourceTag,
      this.now() + REUSE_MARGIN_MS
    );
    if (!row) return undefined;
    const borrowed = row.borrowed === 1 || row.owner_session !== reader;
    this.rows("UPDATE shared_uploads SET borrowed = ?, used_at = ? WHERE video_url = ?", borrowed ? 1 : 0, this.now(), videoUrl);
    return videoFileFromRow(row);
  }

  /**
   * Registers `file`, kept by `owner`, unless a file of the same version of
   * its source is registered and still usable (the same file offered again
   * keeps its owner and readers). A file of a newer version takes the place;
   * returns the file it displaced when that was adopted here, to be deleted.
   */
  offer(file: VideoFile, owner: string): VideoFile | undefined {
    const [current] = this.rows(
      "SELECT * FROM shared_uploads WHERE video_url = ? AND (file_name = ? OR (source_tag IS ? AND expires_at > ?))",
      file.videoUrl,
      file.fileName,
      file.sourceTag,
      this.now() + REUSE_MARGIN_MS
    );
    if (current) {
      if (current.file_name === file.fileName)
        this.rows("UPDATE shared_uploads SET used_at = ? WHERE video_url = ?", this.now(), file.videoUrl);
      return undefined;
    }
    const [displaced] = this.rows("SELECT * FROM shared_uploads WHERE video_url = ? AND owner_session IS NULL", file.videoUrl);
    this.tables.create();
    this.rows(
      `INSERT OR REPLACE INTO shared_uploads (${VIDEO_FILE_COLUMN_NAMES}, owner_session, borrowed, used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
      ...videoFileValues(file),
      owner,
      this.now()
    );
    return displaced ? videoFileFromRow(displaced) : undefined;
  }

  /**
   * `owner` lets `fileName` go: true when it must not delete it (another
   * read it, so it is adopted here; or it is another's, or adopted already),
   * false when it may (nobody else read it; it is forgotten here).
   */
  handOver(fileName: string, owner: string): boolean {
    const [row] = this.rows("SELECT * FROM shared_uploads WHERE file_name = ?", fileName);
    if (!row) return false;
    if (row.owner_session !== owner) return true;
    if (row.borrowed === 1) {
      this.rows("UPDATE shared_uploads SET owner_session = NULL WHERE file_name = ?", fileName);
      return true;
    }
    this.withdraw(fileName);
    return false;
  }

  withdraw(fileName: string): void {
    this.rows("DELETE FROM shared_uploads WHERE file_name = ?", fileName);
  }

  /** The files adopted here: deleted when this object ends. */
  adopted(): VideoFile[] {
    return this.rows("SELECT * FROM shared_uploads WHERE owner_session IS NULL").map(videoFileFromRow);
  }

  /** True once anything was ever registered here. */
  exists(): boolean {
    return this.tables.exists();
  }

  /** For an object whose storage was deleted: the table is gone. */
  forget(): void {
    this.tables.forget();
  }

  /** When a video was last offered or found here, or 0. */
  lastUsed(): number {
    const [row] = this.tables.query<{ used_at: number | null }>("SELECT MAX(used_at) AS used_at FROM shared_uploads");
    return row?.used_at ?? 0;
  }
}
