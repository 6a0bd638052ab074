// Process signals on Deno: https://docs.deno.com/api/deno/~/Deno.addSignalListener
import type { Signals } from "@weft/core";

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM"] as const;

export const signals: Signals = {
  onShutdownSignal(listener) {
    const handlers = SHUTDOWN_SIGNALS.map((name) => {
      const handler = () => listener(name);
      Deno.addSignalListener(name, handler);
      return [name, handler] as const;
    });
    // A registered signal listener keeps Deno's event loop alive: always remove them on stop.
    return () => {
      for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
    };
  },
};
