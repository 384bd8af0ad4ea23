/**
 * Why a running job was stopped: the abort reason its runner sees.
 * @module
 */

/**
 * `keepUpload` is set when the job's last caller went away (a client's
 * timeout or cancel): what Gemini already has of the video stays, so the
 * same request made again carries on from there. Otherwise (an explicit
 * cancel, the session's end) the upload is deleted.
 */
export class JobStop extends Error {
  constructor(
    message: string,
    readonly keepUpload: boolean
  ) {
    super(message);
    this.name = "JobStop";
  }
}
