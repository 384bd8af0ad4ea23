/** 64 characters, as the server requires. */
export const TEST_SHARED_SECRET = "t".repeat(32) + "0123456789abcdef0123456789abcdef";
/** Never resolved: the tests' fetch spy answers it with the fake Gemini. */
export const FAKE_GEMINI_BASE_URL = "http://fake-gemini.test";
/** Never resolved: the tests' fetch spy answers it with the fake video host. */
export const FAKE_VIDEO_ORIGIN = "http://videos.test";
/** The workerd tests' MAX_VIDEO_BYTES: small enough to test refusals quickly. */
export const TEST_MAX_VIDEO_BYTES = 64 * 1024 * 1024;
