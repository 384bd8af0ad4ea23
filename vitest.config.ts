import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { FAKE_GEMINI_BASE_URL, TEST_SHARED_SECRET } from "./test/constants";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          SHARED_SECRET: TEST_SHARED_SECRET,
          GOOGLE_API_KEY: "test-google-api-key",
          GEMINI_BASE_URL: FAKE_GEMINI_BASE_URL,
          GEMINI_MODEL: "gemini-test-flash",
          PING_INTERVAL_SECONDS: "25"
        }
      }
    })
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"]
  }
});
