// Start the seed server: `npm start` (Node), `npm run start:deno`, `npm run start:bun`.
//   --host H / HOST=H      interface to bind (default 127.0.0.1)
//   --port P / PORT=P      port (default 7878, the book's)
//   --workers N            worker threads for the app (default 4, the seed's; 0 = run on the main thread)
// Ctrl-C (SIGINT) or SIGTERM stops it gracefully and exits 0; a second signal stops it at once.
import process from "node:process";
import { serve } from "weft";
import { accessLine } from "./log.ts";

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 7878;
const MAX_PORT = 65535;
/** The seed's `ThreadPool::new(4)`. */
const DEFAULT_WORKERS = 4;

interface Args {
  host: string;
  port: number;
  workers: number | undefined;
}

/** Flags win over the environment, the environment over defaults. Exits 2 on a bad value. */
export function parseArgs(argv: string[], env: Record<string, string | undefined>): Args {
  const args: Args = { host: env.HOST || DEFAULT_HOST, port: env.PORT ? toInt("PORT", env.PORT, MAX_PORT) : DEFAULT_PORT, workers: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--host") args.host = value();
    else if (flag === "--port") args.port = toInt("--port", value(), MAX_PORT);
    else if (flag === "--workers") args.workers = toInt("--workers", value(), Number.MAX_SAFE_INTEGER);
    else throw new UsageError(`unknown option ${flag}`);
  }
  return args;
}

class UsageError extends Error {}

function toInt(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > max) throw new UsageError(`${name} must be an integer in 0..${max}`);
  return n;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`hello: ${error.message}\nusage: main.ts [--host H] [--port P] [--workers N]\n`);
    process.exit(2);
  }
  const server = await serve({
    module: new URL("./app.ts", import.meta.url),
    workers: args.workers ?? DEFAULT_WORKERS,
    hostname: args.host,
    port: args.port,
    handleSignals: true,
    onLog: (entry) => console.log(accessLine(entry)),
    // The seed's verbose pool: which worker took each job, each worker as it stops.
    onPoolLog: (line) => console.log(line),
  }).catch((error: unknown) => {
    // One line, not a stack: the usual cause is the port (EADDRINUSE) or the address (EADDRNOTAVAIL).
    const code = (error as { code?: string }).code;
    process.stderr.write(`hello: cannot serve on ${args.host}:${args.port}: ${code ?? (error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  });
  console.log(`weft listening on ${server.url}`);
  await server.finished;
  process.exit(0);
}

// Run when started (Deno and Bun set import.meta.main; Node 20 does not, so compare the entry path).
const meta = import.meta as ImportMeta & { main?: boolean };
if (meta.main ?? process.argv[1] === new URL(import.meta.url).pathname) await main();
