// The runtime-neutral entry: `import { serve } from "weft"` on Node, Deno or Bun.
//
// Package resolution normally never reaches this file: package.json's export conditions ("deno", "bun",
// "node") point each runtime straight at its adapter (src/deno.ts, src/bun.ts, src/node.ts). This file is
// the "default" condition and what a relative import (`./index.ts`) gets: it asks the runtime what it is
// and loads that adapter once.
import type { FileSystem, Server, ServeOptions } from "@weft/core";

type Adapter = { serve(options: ServeOptions): Promise<Server>; fs: FileSystem };

/** Which runtime runs this code. Deno and Bun announce themselves with a global; otherwise Node. */
export const runtime: "deno" | "bun" | "node" =
  "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

// The specifier is computed on purpose: type checkers then do not pull all three adapters (and all three
// runtimes' type definitions, which clash) into one program; each adapter file is checked on its own.
const adapter = (await import(new URL(`./${runtime}.ts`, import.meta.url).href)) as Adapter;

export const serve: Adapter["serve"] = adapter.serve;
export const fs: FileSystem = adapter.fs;
export type * from "@weft/core";
