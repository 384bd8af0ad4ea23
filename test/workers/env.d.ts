declare namespace Cloudflare {
  interface Env {
    SESSIONS: DurableObjectNamespace<import("../../src/session-do").SessionDO>;
    OAUTH_KV: KVNamespace;
    SHARED_SECRET?: string;
    GOOGLE_API_KEY?: string;
    GEMINI_BASE_URL?: string;
    GEMINI_MODEL?: string;
    PING_INTERVAL_SECONDS?: string;
  }
  interface GlobalProps {
    mainModule: typeof import("../../src/worker");
    durableNamespaces: "SessionDO";
  }
}
