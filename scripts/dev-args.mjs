/**
 * The options `npm run dev` takes, spelled as `wrangler dev` spells them,
 * and the usage line for anything else.
 */
import { parseArgs } from "node:util";

export const USAGE =
  "Usage: npm run dev -- [--port <port>] [--ip <address>] [--inspector | --inspector-port <port>] [--persist-to <dir>] [--env-file <file>]";

/** A command line `npm run dev` cannot run with; its message says what is wrong. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
}

function portOf(option, text) {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`${option} must be a port number from 1 to 65535, not "${text}".`);
  }
  return Number(text);
}

/**
 * Reads the words after `npm run dev --`. `inspector` is false, true (the
 * default port) or a port number. Throws a UsageError for an unknown option,
 * a missing value, a stray word or a bad port.
 */
export function parseDevArgs(args, env = process.env) {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        ip: { type: "string" },
        inspector: { type: "boolean" },
        "inspector-port": { type: "string" },
        "persist-to": { type: "string" },
        "env-file": { type: "string" }
      }
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  const inspectorPort = values["inspector-port"] === undefined ? undefined : portOf("--inspector-port", values["inspector-port"]);
  return {
    ip: values.ip ?? "127.0.0.1",
    port: portOf(values.port === undefined ? "PORT" : "--port", values.port ?? env.PORT ?? "8787"),
    inspector: inspectorPort ?? values.inspector ?? false,
    persistTo: values["persist-to"],
    envFile: values["env-file"]
  };
}
