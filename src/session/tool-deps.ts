/**
 * What a session's tools are given: its admitted jobs, the library, uploads
 * and media links, built for the origin the latest request came to.
 * @module
 */
import type { Config } from "../config";
import type { Env } from "../env";
import { libraryService } from "../library/library-service";
import type { JobService, ToolDeps } from "../tools";
import { uploadService } from "../uploads/upload-service";
import { mediaLinks } from "../video/media-link";

/**
 * `origin()` is "" until a request names one and no public origin is
 * configured: then there are no media links. Uploads read it on each use;
 * the library and media links, once here.
 */
export function sessionToolDeps(env: Env, config: Config, jobs: JobService, origin: () => string): ToolDeps {
  const current = origin();
  return {
    jobs,
    defaultModel: config.gemini.model,
    callBudgetMs: config.toolCallBudgetMs,
    maxResultChars: config.maxResultChars,
    library: libraryService(env, { consoleOrigin: current, gemini: config.gemini }),
    uploads: uploadService(env, config, () => origin() || undefined),
    ...(current ? { media: mediaLinks(env.SHARED_SECRET, current) } : {})
  };
}
