import { describe, expect, it } from "vitest";
import { checkVideoUrl } from "../../src/video/url-guard";

describe("checkVideoUrl", () => {
  it.each([
    ["loopback IPv4", "http://127.0.0.1/v.mp4"],
    ["loopback, decimal spelling", "http://2130706433/v.mp4"],
    ["loopback, hex spelling", "http://0x7f.0.0.1/v.mp4"],
    ["loopback, octal spelling", "http://0177.0.0.1/v.mp4"],
    ["this network", "http://0.0.0.0/v.mp4"],
    ["private 10/8", "http://10.1.2.3/v.mp4"],
    ["private 172.16/12", "http://172.31.255.1/v.mp4"],
    ["private 192.168/16", "http://192.168.0.10/v.mp4"],
    ["CGNAT 100.64/10", "http://100.100.1.1/v.mp4"],
    ["link-local and cloud metadata", "http://169.254.169.254/latest/meta-data"],
    ["benchmarking 198.18/15", "http://198.18.0.1/v.mp4"],
    ["multicast", "http://224.0.0.1/v.mp4"],
    ["IPv6 loopback", "http://[::1]/v.mp4"],
    ["IPv6 unspecified", "http://[::]/v.mp4"],
    ["IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]/v.mp4"],
    ["IPv6 unique local", "http://[fd00::1]/v.mp4"],
    ["IPv6 link-local", "http://[fe80::1]/v.mp4"],
    ["localhost", "http://localhost:8080/v.mp4"],
    ["a .localhost name", "http://api.localhost/v.mp4"],
    ["GCP metadata name", "http://metadata.google.internal/computeMetadata/v1/"]
  ])("refuses %s", (_name, url) => {
    expect(() => checkVideoUrl(url, false)).toThrow(/not allowed/);
  });

  it.each([
    ["another scheme", "ftp://example.com/v.mp4", /http or https/],
    ["a file URL", "file:///etc/passwd", /http or https/],
    ["credentials", "https://user:pass@example.com/v.mp4", /credentials/],
    ["garbage", "not a url", /Not a valid URL/]
  ])("refuses %s even when private addresses are allowed", (_name, url, message) => {
    expect(() => checkVideoUrl(url, true)).toThrow(message);
  });

  it.each(["https://example.com/v.mp4", "http://93.184.216.34/v.mp4", "https://[2606:4700::1]/v.mp4", "https://172.32.0.1/v.mp4"])(
    "accepts the public address %s",
    (url) => {
      expect(checkVideoUrl(url, false).toString()).toBe(new URL(url).toString());
    }
  );

  it("lets ALLOW_PRIVATE_VIDEO_URLS lift only the private-address rule", () => {
    expect(checkVideoUrl("http://127.0.0.1:9000/v.mp4", true).port).toBe("9000");
  });
});
