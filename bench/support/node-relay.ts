/**
 * The tus benchmark's plain Node anchor: a server, in its own process, that
 * copies what a client sends it into the fake Gemini with `loopbackCopy`,
 * the URL benchmark's anchor, fed by the client's PATCH bodies as that one
 * is fed by the video host's response. It does only what a copy needs: a
 * creation names the copy, each PATCH's bytes join the stream in order, and
 * a PATCH is answered once its bytes were sent and acknowledged (the next
 * piece is asked for only after a full chunk's flush), as the server
 * answers. No auth, no checks, no state beyond the copy under way. Prints
 * its URL, then serves until stopped:
 *
 *   node --import tsx bench/support/node-relay.ts <fake Gemini URL>
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loopbackCopy } from "./upload-bench";

interface Patch {
  request: http.IncomingMessage;
  response: http.ServerResponse;
}

const geminiUrl = process.argv[2];
if (!geminiUrl) throw new Error("usage: node-relay.ts <fake Gemini URL>");

/** The copy under way: PATCHes wait here until the copy asks for their bytes. */
let waiting: Patch[] = [];
let wake: (() => void) | undefined;
let copies = 0;

const answer = (patch: Patch, offset: number) =>
  patch.response.writeHead(204, { "Upload-Offset": String(offset), "Tus-Resumable": "1.0.0" }).end();

async function nextPatch(): Promise<Patch> {
  while (waiting.length === 0) await new Promise<void>((resolve) => (wake = resolve));
  // SAFETY: the loop waited for one.
  return waiting.shift()!;
}

/** Every PATCH body of the copy, in order; a PATCH is answered when the copy asks for more past its end. */
async function* bodies(size: number, last: (patch: Patch) => void): AsyncGenerator<Uint8Array> {
  let received = 0;
  while (received < size) {
    const patch = await nextPatch();
    for await (const piece of patch.request as AsyncIterable<Buffer>) {
      received += piece.byteLength;
      yield piece;
    }
    if (received < size) answer(patch, received);
    else last(patch);
  }
}

async function copy(size: number): Promise<void> {
  let final: Patch | undefined;
  await loopbackCopy(async () => bodies(size, (patch) => (final = patch)), geminiUrl!, size);
  // The last chunk is sent (and finalized) after the source ends.
  if (final) answer(final, size);
}

const server = http.createServer((request, response) => {
  if (request.method === "POST") {
    const size = Number(request.headers["upload-length"]);
    waiting = [];
    copies += 1;
    copy(size).catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
    response.writeHead(201, { Location: `http://${request.headers.host}/uploads/${copies}` }).end();
    return;
  }
  waiting.push({ request, response });
  wake?.();
});
server.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
