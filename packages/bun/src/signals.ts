// Process signals on Bun (Node's process API): https://bun.com/docs/guides/process/os-signals
import type { Signals } from "@weft/core";

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM"] as const;

export const signals: Signals = {
  onShutdownSignal(listener) {
    const handlers = SHUTDOWN_SIGNALS.map((name) => {
      const handler = () => listener(name);
      process.on(name, handler);
      return [name, handler] as const;
    });
    return () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    };
  },
};
