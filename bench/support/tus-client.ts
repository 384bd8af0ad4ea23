/**
 * A user's machine, in its own process: uploads each local file it is given
 * (at once; the fake video's bytes, made here as a disk hands them over),
 * reading each part as it is sent, either through
 * the server as tus-js-client's Node stack sends (`http.request`, a
 * Content-Length, the body piped from a stream) in 64 MiB PATCHes, or, given
 * `direct`, straight to the fake Gemini (`loopbackCopy`, the anchor), as a
 * client that uploads to Gemini itself would. Prints each upload's seconds
 * and the wall time as JSON. Started by `tus-bench.ts`:
 *
 *   node --import tsx bench/support/tus-client.ts '{"baseUrl":…,"secret":…,"videos":[{"size":…}]}'
 */
import { once } from "node:events";
import http from "node:http";
import { type FakeVideo, videoBytes } from "../../test/support/fake-video";
import { loopbackCopy } from "./upload-bench";

const READ_BYTES = 1024 * 1024;

const PATCH_BYTES = 64 * 1024 * 1024;

export interface TusClientInput {
  baseUrl: string;
  secret: string;
  /** Each a local file of this many bytes (the fake video's bytes). */
  videos: { size: number }[];
  /** Copy straight to this fake Gemini instead of through the server. */
  direct?: { geminiUrl: string };
}

export interface TusClientOutput {
  seconds: number[];
  wallSeconds: number;
  /** This process's CPU seconds (user + system) over the uploads. */
  cpuSeconds: number;
}

/** Bytes [from, to) of a local file, 1 MiB at a time: the fake video's, made here as a disk would hand them over. */
async function* localFile(video: FakeVideo, from = 0, to = video.size): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  for (let position = from; position < to; position += READ_BYTES) {
    yield videoBytes(video, position, Math.min(to, position + READ_BYTES));
  }
}

/** Writes every piece into `sink`, waiting whenever it is full, then ends it. */
async function pipeInto(sink: http.ClientRequest, pieces: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const piece of pieces) {
    if (!sink.write(piece)) await once(sink, "drain");
  }
  sink.end();
}

function patch(url: string, headers: Record<string, string>, video: FakeVideo, offset: number, end: number) {
  return new Promise<{ status: number; offset: number; body: string }>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "PATCH",
        headers: {
          ...headers,
          "Content-Type": "application/offset+octet-stream",
          "Content-Length": String(end - offset),
          "Upload-Offset": String(offset)
        }
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (text: string) => (body += text));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, offset: Number(response.headers["upload-offset"]), body })
        );
      }
    );
    request.on("error", reject);
    pipeInto(request, localFile(video, offset, end)).catch(reject);
  });
}

/** One upload of the local file through tus; its seconds. */
async function tusUpload(input: TusClientInput, video: FakeVideo): Promise<number> {
  const size = video.size;
  const auth = { Authorization: `Bearer ${input.secret}`, "Tus-Resumable": "1.0.0" };
  const started = performance.now();
  const created = await fetch(`${input.baseUrl}/uploads`, {
    method: "POST",
    headers: { ...auth, "Upload-Length": String(size), "Upload-Metadata": `filename ${btoa("bench.mp4")}` }
  });
  if (created.status !== 201) throw new Error(`Creation answered ${created.status}: ${await created.text()}`);
  const url = created.headers.get("Location")!;
  // Whole 8 MiB chunks and the file's end are all kept, so every PATCH must be taken whole.
  for (let offset = 0; offset < size; ) {
    const end = Math.min(offset + PATCH_BYTES, size);
    const response = await patch(url, auth, video, offset, end);
    if (response.status !== 204) throw new Error(`PATCH at ${offset} answered ${response.status}: ${response.body}`);
    if (response.offset !== end) throw new Error(`PATCH at ${offset} ended at ${response.offset}, not ${end}`);
    offset = end;
  }
  return (performance.now() - started) / 1000;
}

const input = JSON.parse(process.argv[2] ?? "") as TusClientInput;
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const seconds = await Promise.all(
  input.videos.map((video) =>
    input.direct ? loopbackCopy(async () => localFile(video), input.direct.geminiUrl, video.size) : tusUpload(input, video)
  )
);
const { user, system } = process.cpuUsage(cpuAtStart);
const output: TusClientOutput = { seconds, wallSeconds: (performance.now() - started) / 1000, cpuSeconds: (user + system) / 1e6 };
console.log(JSON.stringify(output));
