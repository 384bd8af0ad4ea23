/**
 * Registers the analyses' files (`analysis-files.ts`) on an `McpServer`,
 * one resource template a file: `resources/list` shows the caller's own
 * finished analyses (a session-less caller has none), and `resources/read`
 * answers for a job the caller may read, as `getVideoAnalysis` does
 * (another session's job by its id), and -32002 for any other URI.
 * @module
 */
import { type McpServer, ResourceNotFoundError, ResourceTemplate } from "@modelcontextprotocol/server";
import type { DoneJob, Job } from "../jobs/job";
import type { JobService } from "../jobs/job-service";
import { ANALYSIS_FILES, type AnalysisFile, analysisFileTemplate, analysisFileUri } from "./analysis-files";

const isDone = (job: Job | undefined): job is DoneJob => job?.state === "done";

export function registerAnalysisResources(server: McpServer, jobs: JobService): void {
  for (const file of ANALYSIS_FILES) {
    const template = new ResourceTemplate(analysisFileTemplate(file), {
      list: () => ({
        resources: jobs
          .list()
          .filter(isDone)
          .filter((job) => file.offeredFor(job))
          .map((job) => ({ uri: analysisFileUri(job.id, file), name: `${job.id}/${file.name}`, mimeType: file.mimeType }))
      })
    });
    server.registerResource(
      file.name,
      template,
      { title: file.title, description: file.description, mimeType: file.mimeType },
      async (uri, variables) => readFile(jobs, file, uri.href, variables.jobId)
    );
  }
}

async function readFile(jobs: JobService, file: AnalysisFile, uri: string, jobIdVariable: string | string[] | undefined) {
  const jobId = typeof jobIdVariable === "string" ? decodeURIComponent(jobIdVariable) : undefined;
  const job = jobId ? await jobs.wait(jobId, 0) : undefined;
  if (!isDone(job) || !file.offeredFor(job)) throw new ResourceNotFoundError(uri);
  return { contents: [{ uri, mimeType: file.mimeType, text: file.body(job) }] };
}
