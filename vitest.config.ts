import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import {
  FAKE_GEMINI_BASE_URL,
  TEST_MAX_VIDEO_BYTES,
  TEST_SHARED_SECRET,
  TEST_SOURCE_TIMEOUT_SECONDS,
  TEST_TOOL_CALL_BUDGET_SECONDS
} from "./test/constants.js";

export default defineConfig({
  test: {
    projects: [
      {
        // Unit and integration tests inside workerd, against the real Worker and SessionDO.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Every setting is pinned here so a developer's .dev.vars cannot change a test.
              bindings: {
                SHARED_SECRET: TEST_SHARED_SECRET,
                GOOGLE_API_KEY: "test-google-api-key",
                GEMINI_BASE_URL: FAKE_GEMINI_BASE_URL,
                GEMINI_MODEL: "gemini-test-flash",
                PING_INTERVAL_SECONDS: "25",
                ALLOWED_ORIGINS: "",
                LOOPBACK_ONLY: "false",
                ALLOW_PRIVATE_VIDEO_URLS: "false",
                MAX_VIDEO_BYTES: String(TEST_MAX_VIDEO_BYTES),
                TOOL_CALL_BUDGET_SECONDS: String(TEST_TOOL_CALL_BUDGET_SECONDS),
                SOURCE_CONNECT_TIMEOUT_SECONDS: String(TEST_SOURCE_TIMEOUT_SECONDS),
                SOURCE_IDLE_TIMEOUT_SECONDS: String(TEST_SOURCE_TIMEOUT_SECONDS)
              }
            }
          })
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["test/workers/setup.ts"]
        }
      },
      {
        // Node-side tests: the dev script, and end-to-end runs of the real server with real clients.
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000
        }
      }
    ]
  }
});
