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
    ["localhost with a trailing dot", "http://localhost./v.mp4"],
    ["localhost with two trailing dots", "http://localhost../v.mp4"],
    ["the metadata name with a trailing dot", "http://metadata.google.internal./computeMetadata/v1/"],
    ["a case variant", "http://LocalHost/v.mp4"],
    ["a case variant with a trailing dot", "http://METADATA.Google.Internal./"],
    ["a percent-encoded name", "http://%6c%6fcalhost/v.mp4"],
    ["a full-width name", "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/v.mp4"],
    ["a name without a dot", "http://metadata/computeMetadata/v1/"],
    ["an /etc/hosts name", "http://ip6-localhost/v.mp4"],
    ["localhost.localdomain", "http://localhost.localdomain/v.mp4"],
    ["a home.arpa name", "http://nas.home.arpa/v.mp4"],
    ["a .lan name", "http://router.lan/v.mp4"],
    ["IPv4 with a trailing dot", "http://127.0.0.1./v.mp4"],
    ["IPv4, short form", "http://127.1/v.mp4"],
    ["IPv4-mapped, hex form", "http://[::ffff:7f00:1]/v.mp4"],
    ["IPv4-mapped 10/8", "http://[::ffff:10.0.0.1]/v.mp4"],
    ["IPv4-mapped metadata", "http://[::ffff:169.254.169.254]/"],
    ["IPv4-translated", "http://[::ffff:0:127.0.0.1]/v.mp4"],
    ["IPv4-compatible", "http://[::127.0.0.1]/v.mp4"],
    ["IPv4-compatible, hex form", "http://[::7f00:1]/v.mp4"],
    ["NAT64 64:ff9b::/96 loopback", "http://[64:ff9b::127.0.0.1]/v.mp4"],
    ["NAT64 64:ff9b::/96 metadata", "http://[64:ff9b::a9fe:a9fe]/"],
    ["NAT64 local-use 64:ff9b:1::/48", "http://[64:ff9b:1::808:808]/v.mp4"],
    ["6to4 of a private address", "http://[2002:c0a8:1::1]/v.mp4"],
    ["6to4 of loopback", "http://[2002:7f00:1::]/v.mp4"],
    ["Teredo", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/v.mp4"],
    ["IPv6 documentation", "http://[2001:db8::1]/v.mp4"],
    ["IPv6 site-local", "http://[fec0::1]/v.mp4"],
    ["IPv6 discard-only", "http://[100::1]/v.mp4"],
    ["IPv6 multicast", "http://[ff02::1]/v.mp4"],
    ["IPv4 documentation", "http://192.0.2.10/v.mp4"],
    ["IETF protocol assignments", "http://192.0.0.170/v.mp4"]
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

  it.each([
    "https://example.com/v.mp4",
    "https://example.com./v.mp4",
    "http://93.184.216.34/v.mp4",
    "https://[2606:4700::1]/v.mp4",
    "https://172.32.0.1/v.mp4",
    "https://[::ffff:93.184.216.34]/v.mp4",
    "https://[64:ff9b::5db8:d822]/v.mp4",
    "https://[2002:5db8:d822::1]/v.mp4",
    "https://localhost.example.com/v.mp4"
  ])("accepts the public address %s", (url) => {
    expect(checkVideoUrl(url, false).toString()).toBe(new URL(url).toString());
  });

  it("lets ALLOW_PRIVATE_VIDEO_URLS lift only the private-address rule", () => {
    expect(checkVideoUrl("http://127.0.0.1:9000/v.mp4", true).port).toBe("9000");
  });
});
