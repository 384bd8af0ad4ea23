import type { Job } from "../../../src/jobs/job";

/**
 * A job in any state, from one flat record of every column (as `JobStore`
 * reads it): the columns nothing has set yet, then `fields`.
 */
export function jobRecord(fields: Record<string, unknown>): Job {
  const record: Record<string, unknown> = {
    bytesUploaded: 0,
    totalBytes: null,
    mimeType: null,
    uploadUrl: null,
    fileName: null,
    fileUri: null,
    text: "",
    error: null,
    usage: null,
    details: {},
    ...fields
  };
  return record as unknown as Job;
}
