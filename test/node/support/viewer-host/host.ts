/**
 * A chat host for the viewer test, in the browser: the SDK v2 client
 * connected to the real server, and ext-apps' own host side (`AppBridge`)
 * rendering a tool's `ui://` resource in a sandboxed blob: frame whose CSP
 * is built from the resource's `_meta.ui.csp`, as MCP Apps hosts do. The
 * page around it is served under claude.ai's frame policy
 * (`frame-src 'self' blob: data:`). Bundled by `viewer.test.ts`.
 */
import { Client, type CallToolResult, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  AppBridge,
  getToolUiResourceUri,
  type McpUiDisplayMode,
  type McpUiResourceCsp,
  type McpUiTheme,
  PostMessageTransport
} from "@modelcontextprotocol/ext-apps/app-bridge";

export interface HostRun {
  serverUrl: string;
  secret: string;
  tool: string;
  args: Record<string, unknown>;
  theme: McpUiTheme;
  width: number;
  /** Origins the host lets media load from beyond what the resource declares (a host that widens the policy). */
  extraMediaOrigins: string[];
  /** A host that drops the resource's declared domains (as some have been reported to): nothing but inline code. */
  dropDeclaredDomains?: boolean;
}

/** What the host saw, for the test to read. */
export interface HostLog {
  resourceUri?: string | undefined;
  openedLinks: string[];
  modelContext: string[];
  heights: number[];
  displayModes: McpUiDisplayMode[];
  result?: CallToolResult;
  error?: string;
  /** The CSP the app's frame ran under. */
  framePolicy?: string;
}

declare global {
  interface Window {
    runHost(run: HostRun): Promise<void>;
    setTheme(theme: McpUiTheme): Promise<void>;
    hostLog: HostLog;
  }
}

const log: HostLog = { openedLinks: [], modelContext: [], heights: [], displayModes: [] };
window.hostLog = log;

/**
 * The frame's policy: nothing but inline code, and only what the resource
 * declares (plus what this host adds for media). Media only from there:
 * with nothing declared, none at all.
 */
function framePolicy(csp: McpUiResourceCsp | undefined, extraMediaOrigins: string[]): string {
  const resources = (csp?.resourceDomains ?? []).join(" ");
  const media = [resources, ...extraMediaOrigins].join(" ").trim() || "'none'";
  const connect = (csp?.connectDomains ?? []).join(" ") || "'none'";
  const frames = (csp?.frameDomains ?? []).join(" ") || "'none'";
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${resources}`,
    `style-src 'unsafe-inline' ${resources}`,
    `img-src data: ${resources}`,
    `font-src data: ${resources}`,
    `media-src ${media}`,
    `connect-src ${connect}`,
    `frame-src ${frames}`,
    "form-action 'none'",
    "base-uri 'none'"
  ].join("; ");
}

let bridge: AppBridge | undefined;
let frame: HTMLIFrameElement | undefined;

window.setTheme = async (theme) => {
  await bridge?.sendHostContextChange({ theme });
};

window.runHost = async (run) => {
  try {
    const client = new Client({ name: "viewer-test-host", version: "1.0.0" }, { versionNegotiation: { mode: "legacy" } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", run.serverUrl), {
        requestInit: { headers: { Authorization: `Bearer ${run.secret}` } }
      })
    );
    const { tools } = await client.listTools();
    const tool = tools.find((candidate) => candidate.name === run.tool);
    const uri = tool ? getToolUiResourceUri(tool) : undefined;
    log.resourceUri = uri;
    if (!uri) throw new Error(`${run.tool} names no ui:// resource`);
    const { contents } = await client.readResource({ uri });
    const page = contents[0] as { text: string; _meta?: { ui?: { csp?: McpUiResourceCsp } } };
    const declared = run.dropDeclaredDomains ? undefined : page._meta?.ui?.csp;
    log.framePolicy = framePolicy(declared, run.extraMediaOrigins);
    const policy = `<meta http-equiv="Content-Security-Policy" content="${log.framePolicy}">`;
    const html = page.text.replace("<head>", `<head>${policy}`);

    frame = document.createElement("iframe");
    frame.id = "app";
    frame.setAttribute("sandbox", "allow-scripts");
    frame.style.cssText = `width: ${run.width}px; height: 120px; border: 1px solid #ccc; display: block`;
    document.body.append(frame);
    const shown = frame;

    bridge = new AppBridge(
      client,
      { name: "viewer-test-host", version: "1.0.0" },
      { openLinks: {}, serverTools: {}, serverResources: {}, updateModelContext: { text: {} }, logging: {} },
      {
        hostContext: {
          theme: run.theme,
          displayMode: "inline",
          availableDisplayModes: ["inline", "fullscreen"],
          platform: "web",
          containerDimensions: { width: run.width, maxHeight: 500 }
        }
      }
    );
    const app = bridge;
    app.onopenlink = async ({ url }) => {
      log.openedLinks.push(url);
      return {};
    };
    app.onupdatemodelcontext = async ({ content }) => {
      for (const block of content ?? []) if (block.type === "text") log.modelContext.push(block.text);
      return {};
    };
    app.onsizechange = ({ height }) => {
      if (height === undefined) return;
      log.heights.push(height);
      if (log.displayModes.at(-1) !== "fullscreen") shown.style.height = `${height}px`;
    };
    app.onrequestdisplaymode = async ({ mode }) => {
      log.displayModes.push(mode);
      shown.style.height = mode === "fullscreen" ? `${window.innerHeight - 20}px` : "120px";
      await app.sendHostContextChange({ displayMode: mode });
      return { mode };
    };
    const initialized = new Promise<void>((resolve) => {
      app.oninitialized = () => resolve();
    });
    // Listening before the page loads: the app says ui/initialize as soon as its script runs.
    await app.connect(new PostMessageTransport(shown.contentWindow!, shown.contentWindow!));
    shown.src = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    await initialized;

    await app.sendToolInput({ arguments: run.args });
    const result = (await client.callTool({ name: run.tool, arguments: run.args }, { timeout: 60_000 })) as CallToolResult;
    log.result = result;
    await app.sendToolResult(result);
  } catch (error) {
    log.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
  }
};
