/**
 * The bash script `createVideoUpload` hands a shell user (Claude Code): curl
 * and coreutils only. It adopts the upload with the file's size, asks for
 * the offset, then PATCHes 64 MiB slices from there to the end; a dropped
 * request is retried from HEAD's offset (bounded), and running it again
 * resumes.
 * @module
 */
import { CAPABILITY_HEADER, MAX_CHUNK_BYTES, TUS_CONTENT_TYPE, TUS_VERSION } from "./tus";

/** Tries in a row without progress before the script gives up. */
const MAX_TRIES = 10;

function quoted(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

export function shellCommand(options: { filePath: string; tusUrl: string; capability: string }): string {
  const offset = `awk -F': *' 'tolower($1)=="upload-offset"{print $2}'`;
  return [
    `f=${quoted(options.filePath)}; u=${quoted(options.tusUrl)}; c=${quoted(options.capability)}`,
    `s=$(($(wc -c < "$f"))) || exit 1`,
    `h=(-H 'Tus-Resumable: ${TUS_VERSION}' -H "${CAPABILITY_HEADER}: $c")`,
    `curl -fsS -o /dev/null -X POST "\${u%/*}" "\${h[@]}" -H "Upload-Length: $s" -H "Upload-Metadata: filename $(printf %s "\${f##*/}" | base64 | tr -d '\\n')" || exit 1`,
    `o() { curl -fsS -I "$u" "\${h[@]}" | tr -d '\\r' | ${offset}; }`,
    `n=$(o); t=0`,
    `while [ "$n" != "$s" ]; do`,
    `  if [ -n "$n" ]; then m=$(tail -c +$((n + 1)) "$f" | head -c ${MAX_CHUNK_BYTES} | curl -sS -X PATCH "$u" "\${h[@]}" -H 'Content-Type: ${TUS_CONTENT_TYPE}' -H "Upload-Offset: $n" --data-binary @- -D - -o /dev/null | tr -d '\\r' | ${offset}); else m=; fi`,
    `  if [ -n "$m" ] && [ "$m" -gt "\${n:-0}" ]; then n=$m; t=0; echo "uploaded $n of $s bytes" >&2; else t=$((t + 1)); [ $t -le ${MAX_TRIES} ] || { echo "upload failed at \${n:-?} of $s bytes; run this again to resume" >&2; exit 1; }; sleep 2; n=$(o); fi`,
    `done`,
    `echo "upload complete: $s bytes"`
  ].join("\n");
}
