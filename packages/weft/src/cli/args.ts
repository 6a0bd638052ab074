// Command-line parsing for `weft`: pure, so every bad input has a test and a friendly message.

export interface CliOptions {
  command: "serve" | "hello" | "help" | "version";
  /** Folder to serve (`weft serve [dir]`); "." when not given. */
  dir: string;
  host: string;
  port: number;
  workers: number;
  /** With --workers: child processes instead of threads (PoolOptions.isolation = "process"). */
  processes: boolean;
  listing: boolean;
  cors: boolean;
  quiet: boolean;
}

/** A mistake on the command line: printed as `weft: <message>`, exit code 1, never a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const DEFAULT_HOST = "127.0.0.1";
/** The seed server's port (the Rust book's final project listens on 7878). */
export const DEFAULT_PORT = 7878;
const MAX_PORT = 65_535;
/** More threads than this is a typo, not a plan. */
const MAX_WORKERS = 256;

export const HELP = `weft — an HTTP/1.1 server for Node, Deno and Bun

Usage:
  weft serve [dir]     serve a folder (default: the current folder)
  weft hello           run the seed app (hello page, /sleep, 404 page)

Options:
  --host <addr>        interface to bind (default ${DEFAULT_HOST}; 0.0.0.0 or :: for all)
  -p, --port <n>       port to listen on (default ${DEFAULT_PORT}; 0 picks a free port and prints it)
  -w, --workers <n>    run handlers on n worker threads (default 0: on the main thread)
  --processes          with --workers: make the workers child processes, which can always be
                       killed and whose running out of memory ends only themselves
  --no-listing         answer 404 for folders without index.html instead of listing them
  --cors               allow cross-origin requests (Access-Control-Allow-Origin: *, preflight)
  -q, --quiet          do not log each request (the start and stop lines stay)
  -h, --help           show this help
  -v, --version        print the version

Examples:
  npx weft serve ./public --port 8080
  deno run -A packages/weft/src/cli.ts serve .
  bun packages/weft/src/cli.ts serve . --port 0
`;

function integer(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || text === "") throw new UsageError(`${flag} needs a value`);
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Parse `argv` (without the runtime and script). Throws UsageError. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    command: "serve",
    dir: ".",
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    workers: 0,
    processes: false,
    listing: true,
    cors: false,
    quiet: false,
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    const noValue = () => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
    };
    switch (flag) {
      case "-h":
      case "--help":
        return { ...options, command: "help" };
      case "-v":
      case "--version":
        return { ...options, command: "version" };
      case "--host": {
        const host = value();
        if (!host) throw new UsageError("--host needs a value");
        options.host = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
        break;
      }
      case "-p":
      case "--port":
        options.port = integer("--port", value(), 0, MAX_PORT);
        break;
      case "-w":
      case "--workers":
        options.workers = integer("--workers", value(), 0, MAX_WORKERS);
        break;
      case "--processes":
        noValue();
        options.processes = true;
        break;
      case "--no-listing":
        noValue();
        options.listing = false;
        break;
      case "--cors":
        noValue();
        options.cors = true;
        break;
      case "-q":
      case "--quiet":
        noValue();
        options.quiet = true;
        break;
      default:
        throw new UsageError(`unknown option ${flag} (see weft --help)`);
    }
  }
  if (options.processes && options.workers === 0) throw new UsageError("--processes needs --workers <n> (n >= 1)");
  const [command, ...rest] = positional;
  if (command === undefined) return { ...options, command: "help" };
  if (command === "serve") {
    if (rest.length > 1) throw new UsageError(`serve takes one folder, got ${rest.length}`);
    return { ...options, command: "serve", dir: rest[0] ?? "." };
  }
  if (command === "hello") {
    if (rest.length > 0) throw new UsageError("hello takes no arguments");
    return { ...options, command: "hello" };
  }
  if (command === "help") return { ...options, command: "help" };
  throw new UsageError(`unknown command "${command}" (try weft serve . or weft --help)`);
}
