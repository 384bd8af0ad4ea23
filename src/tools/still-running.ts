/**
 * What a blocking tool answers when its analysis outlives the call's time
 * budget: a normal result that says the job carries on, and how to get it.
 * @module
 */
import { formatUsd } from "../cost/estimate";
import type { Job } from "../jobs/job";
import { shownPercent } from "../jobs/job-progress";

export function stillRunningText(job: Job, budgetMs: number): string {
  const percent = shownPercent(job, "text");
  const budgetSeconds = Math.round(budgetMs / 1000);
  const estimate = job.details.estimatedCostUsd;
  return [
    `Still running after ${budgetSeconds} s: job ${job.id} is ${job.state} (${percent}%: ${job.message}).`,
    ...(estimate !== undefined ? [`Estimated cost: ${formatUsd(estimate)}.`] : []),
    `The analysis carries on. Call getVideoAnalysis with jobId "${job.id}" (and waitSeconds, up to ${budgetSeconds}) to get the answer; nothing is uploaded again.`
  ].join(" ");
}
