// The server: binds through the adapter's Listen port, turns each accepted socket into a Connection,
// enforces maxConnections, and runs the shutdown sequence. Runtime-agnostic; each adapter's `serve` is
// `createServer(options, itsPorts)`.
//
// Shutdown (`close()`, `signal`, or SIGINT/SIGTERM with `handleSignals`), in order:
//   1. stop accepting (listener.close());
//   2. idle keep-alive connections close at once; busy ones finish what they have queued, the last
//      response carrying `Connection: close` (connection.ts `shutdown`);
//   3. connections still open after `pool.drainTimeout` are destroyed;
//   4. (pool mode) the worker pool is closed — see `stopHandler`;
//   5. `finished` settles.
// A second shutdown signal skips the waiting: every connection is destroyed at once.

import { Connection, openConnections, SYSTEM_CLOCK } from "./connection.ts";
import type { Clock, ConnectionConfig } from "./connection.ts";
import { resolveConnectionOptions, resolveLeniency, resolveLimits, resolvePoolOptions, resolveTimeouts } from "./options.ts";
import type { ConnectionEvents, Listener, Transport } from "./ports.ts";
import type { FetchHandler, PoolStats, RuntimePorts, Server, ServeOptions } from "./types.ts";
import { installWeftResponse } from "./weft-response.ts";

const DEFAULT_HOSTNAME = "127.0.0.1";
const DEFAULT_PORT = 0;
const MAX_PORT = 65535;

/** A handler ready to serve, and how to stop whatever runs it. */
export interface ResolvedHandler {
  fetch: FetchHandler;
  /** Pool mode: `fetch` without its promise (ConnectionConfig.submit). */
  submit?: ConnectionConfig["submit"];
  /** Called once every connection is gone (pool mode: closes the pool). */
  close(): Promise<void>;
  /** A second shutdown signal: stop now (pool mode: terminate every worker, whatever it runs). */
  destroy(): Promise<void>;
  stats(): PoolStats;
  /** Pool mode: the worker that produced a response (for the access log). */
  workerOf?(response: Response): number | undefined;
}

const NO_POOL_STATS: PoolStats = Object.freeze({ workers: 0, queued: 0, running: 0, completed: 0, failed: 0, restarts: 0, perWorker: [] }) as PoolStats;

/**
 * Where the handler comes from. `fetch` given: inline. `module` with `workers` >= 1 (default
 * `pool.workers`): the worker pool, each worker importing the module (pool/pool.ts, issue 4); `server.close`
 * closes the pool once every connection is gone. `module` with `workers: 0`: imported on this thread
 * through `ports.importModule`, its `default.fetch` run inline.
 */
export async function resolveHandler(options: ServeOptions, ports: RuntimePorts): Promise<ResolvedHandler> {
  const inline = (fetch: FetchHandler): ResolvedHandler => ({ fetch, close: async () => {}, destroy: async () => {}, stats: () => NO_POOL_STATS });
  if (typeof options.fetch === "function") return inline(options.fetch);
  if (options.module !== undefined) {
    const url = options.module instanceof URL ? options.module.href : String(options.module);
    const workers = options.workers ?? resolvePoolOptions(options.pool).workers;
    // As the seed's ThreadPool::new asserts a size > 0: a size that is not a count is refused, never
    // quietly read as "inline".
    if (!Number.isInteger(workers) || workers < 0) {
      throw new RangeError(`weft: workers must be an integer >= 0 (0 runs the module inline), got ${String(workers).slice(0, 16)}`);
    }
    if (workers >= 1) {
      // Loaded here, not imported at the top: an inline server never loads the pool or the adapter's
      // worker host (pool/index.ts).
      const [{ createPool }, spawnWorker] = await Promise.all([import("./pool/pool.ts"), ports.loadWorkerHost()]);
      const onLog = options.onPoolLog;
      const pool = createPool({ module: url, pool: { ...options.pool, workers }, onLog }, spawnWorker);
      // A module that does not load fails serve() itself, as it does inline, instead of 502 per request.
      await pool.ready.catch(async (error) => {
        await pool.destroy();
        throw error;
      });
      return {
        fetch: (request, info) => pool.fetch(request, info),
        submit: (request, info, answer) => pool.submit(request, info, answer),
        close: () => pool.close(),
        destroy: () => pool.destroy(),
        stats: () => pool.stats(),
        workerOf: (response) => pool.workerOf(response),
      };
    }
    const imported = (await ports.importModule(url)) as { default?: { fetch?: unknown } } | null;
    const fetch = imported?.default?.fetch;
    if (typeof fetch !== "function") throw new TypeError(`weft: ${url} must export default { fetch }`);
    const app = imported!.default!;
    return inline((request, info) => (fetch as FetchHandler).call(app, request, info));
  }
  throw new TypeError("weft: serve() needs a `fetch` handler or a `module`");
}

/** Options beyond ServeOptions, for tests. */
export interface ServerInternals {
  clock?: Clock;
}

export async function createServer(options: ServeOptions, ports: RuntimePorts, internals: ServerInternals = {}): Promise<Server> {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new RangeError("weft: port must be an integer in 0..65535");
  const connectionOptions = resolveConnectionOptions(options.connection);
  const pool = resolvePoolOptions(options.pool);
  const timeouts = resolveTimeouts(options.timeouts);
  if (options.fastResponse !== false) installWeftResponse();
  const handler = await resolveHandler(options, ports);

  /** Connections accepted and not closed yet. Counted, not kept in a Set (issue 6: a Set entry is RSS
   * per idle connection); shutdown finds them with `openConnections(config)`. */
  let open = 0;
  let closing: Promise<void> | null = null;
  let settleFinished!: () => void;
  const finished = new Promise<void>((resolve) => (settleFinished = resolve));
  /** Resolves when the last connection is gone during shutdown. */
  let allClosed: (() => void) | null = null;

  const config: ConnectionConfig = {
    fetch: handler.fetch,
    submit: handler.submit,
    limits: resolveLimits(options.limits),
    leniency: resolveLeniency(options.leniency),
    timeouts,
    connection: connectionOptions,
    fallbackHost: "", // filled in once the port is known
    clock: internals.clock ?? SYSTEM_CLOCK,
    onLog: options.onLog,
    workerOf: handler.workerOf,
    onHandlerError: (error) => console.error("weft: handler error:", error),
    onClosed: () => {
      open--;
      if (open === 0 && allClosed !== null) allClosed();
    },
  };

  const accept = (transport: Transport): ConnectionEvents => {
    const max = connectionOptions.maxConnections;
    if (closing !== null || (max > 0 && open >= max)) {
      // Refused cleanly: FIN before reading a byte; the client sees an orderly close. A peer that never
      // closes its side is destroyed after writeTimeout, so refused sockets cannot pile up.
      transport.end();
      return refused(transport);
    }
    open++;
    return new Connection(transport, config);
  };

  /** Events for a refused socket: ignore everything until it closes. */
  function refused(transport: Transport): ConnectionEvents {
    const linger = timeouts.writeTimeout > 0 ? config.clock.setTimeout(() => transport.destroy(), timeouts.writeTimeout) : undefined;
    return {
      onData() {},
      onDrain() {},
      onEnd() {},
      onClose() {
        if (linger !== undefined) config.clock.clearTimeout(linger);
      },
    };
  }

  let listener: Listener;
  try {
    listener = await ports.listen({ hostname, port }, accept);
  } catch (error) {
    await handler.close(); // the pool's workers would otherwise keep the process alive (EADDRINUSE)
    throw error;
  }
  config.fallbackHost = hostPort(listener.hostname, listener.port);

  let removeSignals: (() => void) | null = null;
  const destroyAll = (): void => {
    for (const connection of openConnections(config)) connection.destroy();
  };

  const close = (): Promise<void> => {
    if (closing !== null) return closing;
    closing = (async () => {
      await listener.close();
      if (open > 0) {
        const drained = new Promise<void>((resolve) => (allClosed = resolve));
        for (const connection of openConnections(config)) connection.shutdown();
        // Busy past the drain timeout: destroyed (their clients see a reset).
        const timer = config.clock.setTimeout(destroyAll, pool.drainTimeout);
        await drained;
        config.clock.clearTimeout(timer);
      }
      await stopHandler();
    })().finally(() => {
      removeSignals?.();
      removeSignals = null;
      settleFinished();
    });
    return closing;
  };

  /** After every connection is gone: stop whatever runs the handler (the pool, in pool mode). */
  const stopHandler = (): Promise<void> => handler.close();

  if (options.signal !== undefined) {
    if (options.signal.aborted) void close();
    else options.signal.addEventListener("abort", () => void close(), { once: true });
  }
  if (options.handleSignals) {
    let signals = 0;
    removeSignals = ports.signals.onShutdownSignal(() => {
      signals++;
      if (signals === 1) void close();
      else {
        // Second signal: stop now — connections and the threads running their handlers.
        destroyAll();
        void handler.destroy();
      }
    });
  }

  const url = `http://${hostPort(listener.hostname, listener.port)}/`;
  return {
    hostname: listener.hostname,
    port: listener.port,
    url,
    close,
    finished,
    stats: () => handler.stats(),
  };
}

/** host:port with IPv6 literals in brackets (RFC 3986 §3.2.2). */
function hostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}


