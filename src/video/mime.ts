/**
 * Works out a video's MIME type, as Gemini names them, from the source's
 * Content-Type, the URL's extension, or the file's first bytes.
 * @module
 */

const BY_EXTENSION: Record<string, string> = {
  mp4: "video/mp4",
  m4v: "video/mp4",
  mov: "video/mov",
  qt: "video/mov",
  webm: "video/webm",
  mkv: "video/webm",
  avi: "video/avi",
  mpeg: "video/mpeg",
  mpg: "video/mpeg",
  wmv: "video/wmv",
  flv: "video/x-flv",
  "3gp": "video/3gpp"
};

/** Other spellings servers send, mapped to the names Gemini documents. */
const ALIASES: Record<string, string> = {
  "video/quicktime": "video/mov",
  "video/x-msvideo": "video/avi",
  "video/msvideo": "video/avi",
  "video/x-ms-wmv": "video/wmv",
  "video/x-matroska": "video/webm",
  "video/mpg": "video/mpeg",
  "video/x-m4v": "video/mp4"
};

function fromContentType(contentType: string | null): string | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (!type?.startsWith("video/")) return undefined;
  return ALIASES[type] ?? type;
}

function fromExtension(url: URL): string | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  return extension ? BY_EXTENSION[extension] : undefined;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** Recognises the common containers by their signatures. */
export function sniffVideoType(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 12 && ascii(bytes, 4, 4) === "ftyp") {
    return ascii(bytes, 8, 4) === "qt  " ? "video/mov" : "video/mp4";
  }
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return "video/webm";
  }
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "AVI ") return "video/avi";
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && (bytes[3] === 0xba || bytes[3] === 0xb3)) {
    return "video/mpeg";
  }
  if (bytes.length >= 3 && ascii(bytes, 0, 3) === "FLV") return "video/x-flv";
  if (bytes.length >= 16 && bytes[0] === 0x30 && bytes[1] === 0x26 && bytes[2] === 0xb2 && bytes[3] === 0x75) {
    return "video/wmv";
  }
  return undefined;
}

/** The video MIME type, or undefined when nothing says this is a video. */
export function videoMimeType(contentType: string | null, url: URL, firstBytes: Uint8Array): string | undefined {
  return fromContentType(contentType) ?? sniffVideoType(firstBytes) ?? fromExtension(url);
}
