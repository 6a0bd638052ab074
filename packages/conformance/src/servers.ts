// The servers under test: weft on each runtime (these columns decide the run) and each runtime's
// native server (reference columns: printed, never failing the run).

export const WEFT_SERVERS = ["weft-node", "weft-deno", "weft-bun"] as const;
export const NATIVE_SERVERS = ["node", "deno", "bun"] as const;
export type WeftServerId = (typeof WEFT_SERVERS)[number];
export type NativeServerId = (typeof NATIVE_SERVERS)[number];
export type ServerId = WeftServerId | NativeServerId;
export const ALL_SERVERS: readonly ServerId[] = [...WEFT_SERVERS, ...NATIVE_SERVERS];

export const isWeft = (id: ServerId): id is WeftServerId => (WEFT_SERVERS as readonly string[]).includes(id);

/** How to start each fixture: a command line relative to packages/conformance. `bin` is resolved in
 * node_modules/.bin when it is not `node`. */
export const FIXTURE_COMMANDS: Readonly<Record<ServerId, { bin: string; args: string[] }>> = {
  "weft-node": { bin: "node", args: ["--import", "tsx", "src/fixture/weft-node.ts"] },
  "weft-deno": { bin: "deno", args: ["run", "-A", "src/fixture/weft-deno.ts"] },
  "weft-bun": { bin: "bun", args: ["run", "src/fixture/weft-bun.ts"] },
  node: { bin: "node", args: ["--import", "tsx", "src/fixture/native-node.ts"] },
  deno: { bin: "deno", args: ["run", "-A", "src/fixture/native-deno.ts"] },
  bun: { bin: "bun", args: ["run", "src/fixture/native-bun.ts"] },
};
