// The CLI's handler as an app module (`export default { fetch }`), for `weft serve --workers n`: every
// pool worker imports this file and rebuilds the handler from the configuration the CLI put in the
// environment (worker threads on Node, Deno and Bun all see the parent's environment variables).
import process from "node:process";
import { fs } from "../index.ts";
import { CONFIG_ENV, createCliHandler, type CliHandlerConfig } from "./handler.ts";

const text = process.env[CONFIG_ENV];
if (!text) throw new Error(`weft: ${CONFIG_ENV} is not set (this module is loaded by \`weft serve --workers\`)`);
const config = JSON.parse(text) as CliHandlerConfig;

export default { fetch: createCliHandler(config, fs) };
