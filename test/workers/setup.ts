import { exports } from "cloudflare:workers";
import { beforeAll } from "vitest";

// The first request builds the Worker's module graph, which takes seconds;
// pay it here rather than inside the first test's timeout.
beforeAll(async () => {
  await exports.default.fetch("http://mcp.test/health");
}, 60_000);
