/** 64 characters, as the server requires. */
export const TEST_SHARED_SECRET = `${"t".repeat(32)}0123456789abcdef0123456789abcdef`;
/** Never resolved: the tests' fetch spy answers it with the fake Gemini. */
export const FAKE_GEMINI_BASE_URL = "http://fake-gemini.test";
/** Never resolved: the tests' fetch spy answers it with the fake video host. */
export const FAKE_VIDEO_ORIGIN = "http://videos.test";
/** The workerd tests' MAX_VIDEO_BYTES: small enough to test refusals quickly. */
export const TEST_MAX_VIDEO_BYTES = 64 * 1024 * 1024;
/** The workerd tests' TOOL_CALL_BUDGET_SECONDS: long enough for every quick analysis, short enough to test. */
export const TEST_TOOL_CALL_BUDGET_SECONDS = 6;
/** The workerd tests' SOURCE_CONNECT_TIMEOUT_SECONDS and SOURCE_IDLE_TIMEOUT_SECONDS. */
export const TEST_SOURCE_TIMEOUT_SECONDS = 3;
