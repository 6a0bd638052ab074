#!/usr/bin/env node
// `npx weft …` on Node: Node 20 cannot run TypeScript itself, so register tsx's ESM loader in this
// process, then load the CLI source. (Deno and Bun run src/cli.ts directly.)
import { register } from "tsx/esm/api";

register();
await import(new URL("../src/cli.ts", import.meta.url).href);
