/**
 * The console page's formatting helpers (public/console/format.js), in Node:
 * a time link into the video is made only from an http(s) URL, like the
 * heading's link (`safeHref`), whatever URL the index holds.
 */
import { describe, expect, it } from "vitest";
// @ts-expect-error -- the page's plain ESM script, without type declarations
import { videoAt } from "../../public/console/format.js";

const at = videoAt as (videoUrl: string, seconds: number) => string | undefined;

describe("videoAt", () => {
  it("links YouTube with t= and a file with a media fragment", () => {
    expect(at("https://youtu.be/dQw4w9WgXcQ", 65.4)).toBe("https://youtu.be/dQw4w9WgXcQ?t=65s");
    expect(at("https://www.youtube.com/watch?v=dQw4w9WgXcQ", 5)).toBe("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5s");
    expect(at("http://video.example/a.mp4", 7)).toBe("http://video.example/a.mp4#t=7");
  });

  it("makes no link from a URL that is not http(s)", () => {
    for (const url of [
      "javascript:alert(document.cookie)//",
      "data:text/html,<script>alert(1)</script>",
      "file:///etc/passwd",
      "not a url"
    ]) {
      expect(at(url, 5), url).toBeUndefined();
    }
  });
});
