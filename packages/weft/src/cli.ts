// The `weft` command: `weft serve [dir]`, `weft hello`. Runtime-neutral: the same file runs on
//   Node  `npx weft serve .` (the package's bin, bin/weft.mjs, loads this file through tsx)
//   Deno  `deno run -A packages/weft/src/cli.ts serve .`
//   Bun   `bun packages/weft/src/cli.ts serve .`
// It only uses node:process/os/path, which all three runtimes provide, and gets serve() and the
// FileSystem port from the runtime-neutral entry (index.ts picks the adapter).
// Every failure a user can cause ends as one `weft: …` line on stderr and exit code 1, never a stack.
import process from "node:process";
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import { VERSION, type AccessLogEntry } from "@weft/core";
import { fs, serve } from "./index.ts";
import { HELP, parseArgs, UsageError, type CliOptions } from "./cli/args.ts";
import { folderErrorMessage, listenErrorMessage } from "./cli/errors.ts";
import { formatClf, formatCompact } from "./cli/log.ts";
import { CONFIG_ENV, createCliHandler, type CliHandlerConfig } from "./cli/handler.ts";

/** Exit with a friendly line. */
class CliFailure extends Error {}

const ALL_IPV4 = "0.0.0.0";
const ALL_IPV6 = "::";

/** The URLs a user can open: every local address when bound to all interfaces. */
function urlsFor(host: string, port: number): string[] {
  const url = (h: string) => `http://${h.includes(":") ? `[${h}]` : h}:${port}/`;
  if (host !== ALL_IPV4 && host !== ALL_IPV6) return [url(host)];
  const urls = [url("localhost")];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" || (host === ALL_IPV6 && !a.address.startsWith("fe80"))) urls.push(url(a.address));
    }
  }
  return urls;
}

async function checkFolder(dir: string): Promise<void> {
  const fail = (error: unknown): never => {
    throw new CliFailure(folderErrorMessage(error, dir) ?? `cannot serve ${dir}: ${(error as Error).message}`);
  };
  const stat = await fs.stat(dir).catch(fail);
  if (stat === null) fail({ code: "ENOENT" });
  if (!stat!.isDirectory) fail({ code: "ENOTDIR" });
  await fs.readDir(dir).catch(fail);
}

function logger(options: CliOptions): ((entry: AccessLogEntry) => void) | undefined {
  if (options.quiet) return undefined;
  const tty = process.stdout.isTTY === true;
  const color = tty && !process.env.NO_COLOR;
  return (entry) => process.stdout.write(`${tty ? formatCompact(entry, color) : formatClf(entry)}\n`);
}

async function run(options: CliOptions): Promise<void> {
  if (options.command === "help") return void process.stdout.write(HELP);
  if (options.command === "version") return void process.stdout.write(`weft ${VERSION}\n`);

  const root = resolve(options.dir);
  if (options.command === "serve") await checkFolder(root);
  const config: CliHandlerConfig = { app: options.command === "hello" ? "hello" : "static", root, listing: options.listing, cors: options.cors };
  process.env[CONFIG_ENV] = JSON.stringify(config);
  const handler = options.workers > 0
    ? { module: new URL("./cli/app.ts", import.meta.url), workers: options.workers, pool: { isolation: options.processes ? "process" as const : "thread" as const } }
    : { fetch: createCliHandler(config, fs) };

  let server: Awaited<ReturnType<typeof serve>>;
  try {
    server = await serve({ ...handler, hostname: options.host, port: options.port, handleSignals: true, onLog: logger(options) });
  } catch (error) {
    const message = listenErrorMessage(error, options.host, options.port);
    if (message) throw new CliFailure(message);
    throw error;
  }
  const what = options.command === "hello" ? "the hello app" : root;
  const kind = options.processes ? " process" : "";
  const mode = options.workers > 0 ? ` on ${options.workers}${kind} worker${options.workers === 1 ? "" : "s"}` : "";
  process.stdout.write(`weft ${VERSION}: serving ${what}${mode} at\n${urlsFor(server.hostname, server.port).map((u) => `  ${u}\n`).join("")}`);
  await server.finished;
  process.stdout.write("weft: stopped\n");
}

try {
  await run(parseArgs(process.argv.slice(2)));
  process.exit(0);
} catch (error) {
  const known = error instanceof UsageError || error instanceof CliFailure;
  process.stderr.write(`weft: ${known ? error.message : (error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
}
