// @weft/core: the runtime-agnostic engine. Each concept is named here so a newcomer finds it in one step.
export const VERSION = "0.1.0";

// Every limit and timeout, with defaults (options.ts).
export * from "./options.ts";
// Typed refusals and the one status map (errors.ts).
export * from "./errors.ts";
// Ports: what adapters implement (ports.ts).
export type * from "./ports.ts";
// Public serve() shape (types.ts).
export type * from "./types.ts";
// Static files: serveStatic over the FileSystem port (static/).
export * from "./static/index.ts";
