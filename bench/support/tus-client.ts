/**
 * A tus client in its own process, as a user's machine is: uploads each
 * video it is given (at once), as tus-js-client's Node stack sends
 * (`http.request`, a Content-Length, the body piped from a stream), in
 * 64 MiB PATCHes whose bytes it reads from the video host as they go. Prints
 * each upload's seconds and the wall time as JSON. Started by
 * `tus-bench.ts`:
 *
 *   node --import tsx bench/support/tus-client.ts '{"baseUrl":…,"secret":…,"videos":[{"url":…,"size":…}]}'
 */
import http from "node:http";

const PATCH_BYTES = 64 * 1024 * 1024;

export interface TusClientInput {
  baseUrl: string;
  secret: string;
  videos: { url: string; size: number }[];
}

export interface TusClientOutput {
  seconds: number[];
  wallSeconds: number;
}

function patchFromSource(url: string, headers: Record<string, string>, videoUrl: string, offset: number, end: number) {
  return new Promise<{ status: number; offset: number; body: string }>((resolve, reject) => {
    const source = http.get(videoUrl, { headers: { Range: `bytes=${offset}-${end - 1}` } }, (bytes) => {
      if (bytes.statusCode !== 206) {
        reject(new Error(`The video host answered ${bytes.statusCode} to a range`));
        return;
      }
      const patch = http.request(
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
      patch.on("error", reject);
      bytes.on("error", reject).pipe(patch);
    });
    source.on("error", reject);
  });
}

/** One upload of the video at `videoUrl` (`size` bytes) through tus; its seconds. */
async function tusUpload(input: TusClientInput, videoUrl: string, size: number): Promise<number> {
  const auth = { Authorization: `Bearer ${input.secret}`, "Tus-Resumable": "1.0.0" };
  const started = performance.now();
  const created = await fetch(`${input.baseUrl}/uploads`, {
    method: "POST",
    headers: { ...auth, "Upload-Length": String(size), "Upload-Metadata": `filename ${btoa("bench.mp4")}` }
  });
  if (created.status !== 201) throw new Error(`Creation answered ${created.status}: ${await created.text()}`);
  const url = created.headers.get("Location")!;
  for (let offset = 0; offset < size; ) {
    const response = await patchFromSource(url, auth, videoUrl, offset, Math.min(offset + PATCH_BYTES, size));
    if (response.status !== 204) throw new Error(`PATCH at ${offset} answered ${response.status}: ${response.body}`);
    if (response.offset <= offset) throw new Error(`PATCH at ${offset} made no progress`);
    offset = response.offset;
  }
  return (performance.now() - started) / 1000;
}

const input = JSON.parse(process.argv[2] ?? "") as TusClientInput;
const started = performance.now();
const seconds = await Promise.all(input.videos.map((video) => tusUpload(input, video.url, video.size)));
const output: TusClientOutput = { seconds, wallSeconds: (performance.now() - started) / 1000 };
console.log(JSON.stringify(output));
