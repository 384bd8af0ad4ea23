import { defineConfig } from "vitest/config";

/**
 * The official MCP conformance suite against the real server (`npm run
 * test:conformance`): its authorization-server scenarios, and its server
 * scenarios on `/mcp` in both protocol eras (`npm run test:conformance-server`
 * for those alone). The suite needs Node 22 or
 * newer: run this on Node 22, or point CONFORMANCE_NODE at a Node 22 binary.
 */
export default defineConfig({
  test: {
    name: "conformance",
    include: ["test/conformance/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
});
