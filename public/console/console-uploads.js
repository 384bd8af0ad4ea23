/**
 * The console's uploads: a file from the start form goes to `/uploads` with
 * the sign-in cookie, and as soon as the server has named the upload, the
 * analysis starts on `upload:<id>` (it waits on the server for the bytes,
 * with "waiting for the upload" as its progress). A file picked again after a
 * reload carries its unfinished upload on; the analysis it already has is
 * not started twice.
 */
import { deleteUpload, hasUnfinishedUpload, startUpload, unfinishedUploads, uploadFileName } from "./uploads.js";

const SCOPE = "console";
const analysisKey = (uploadId) => `console-upload-analysis:${uploadId}`;

export const unfinishedConsoleUploads = () => unfinishedUploads(SCOPE);
export const deleteConsoleUpload = deleteUpload;
export const isUnfinished = (file) => hasUnfinishedUpload(file, SCOPE);
export { uploadFileName };

/** The analysis already started on an upload, by this browser. */
export function analysisOf(uploadId) {
  return localStorage.getItem(analysisKey(uploadId)) ?? undefined;
}

/**
 * Sends `file` and starts its analysis with the start form's `fields`
 * (`videoUrl` is replaced by the upload). `onChange(progress)` hears the
 * upload's progress (see uploads.js) with `analysisId` once it has one;
 * `startAnalysis(fields)` resolves with the analysis id or throws the API's
 * refusal, which `onRefused(error)` hears after the upload is deleted.
 */
export function sendFile(file, fields, { onChange, startAnalysis, onRefused }) {
  let analysisId;
  let latest;
  const controller = startUpload(file, {
    scope: SCOPE,
    onChange(progress) {
      latest = progress;
      onChange({ ...progress, analysisId });
    },
    async onUploadId(uploadId) {
      analysisId = analysisOf(uploadId);
      if (analysisId) return onChange({ ...latest, analysisId });
      try {
        analysisId = await startAnalysis({ ...fields, videoUrl: `upload:${uploadId}` });
        localStorage.setItem(analysisKey(uploadId), analysisId);
        onChange({ ...latest, analysisId });
      } catch (error) {
        await controller.cancel();
        onRefused(error);
      }
    }
  });
  return controller;
}
