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
// The request parser: push-based, incremental, strict RFC 9112; bare-LF and TE+CL policies at the top of
// parser.ts. Fields: ordered field lines with case-insensitive lookup (fields.ts). Body framing: the one
// RFC 9112 §6.3 decision, request-head.ts `bodyFraming`; chunk-size lines and CRLFs, chunked.ts.
export { createParser } from "./parser.ts";
export type { BodyKind, Parser, ParserCallbacks, ParserOptions, RequestHead, TargetForm } from "./parser.ts";
export { Fields } from "./fields.ts";
// Response writer: status line, fields, body framing, chunked coding, fixed error responses (response.ts).
export * from "./response.ts";
// The Date field, formatted once per second (date.ts).
export * from "./date.ts";
// Method + path routing over a segment tree (router.ts).
export * from "./router.ts";
// Joining byte chunks into one buffer (response-body.ts; adapters use it for Transport.writev).
export { concat } from "./response-body.ts";
// Static files: serveStatic over the FileSystem port (static/).
export * from "./static/index.ts";
// One connection's life (read → parse → dispatch → write → keep-alive or close) and the server over the
// ports (connection.ts, server.ts); the handler's Request (request.ts).
export { Connection, Phase, SYSTEM_CLOCK } from "./connection.ts";
export type { Clock, ConnectionConfig } from "./connection.ts";
export { createServer, resolveHandler } from "./server.ts";
export type { ResolvedHandler, ServerInternals } from "./server.ts";
export { buildRequest, requestUrl } from "./request.ts";
// The worker pool lives at "@weft/core/pool" (pool/index.ts): createPool, forkedWorker, runAsChildProcess,
// pickWorker, PROTOCOL_VERSION. It is not re-exported here, so that an inline server never loads it:
// serve() imports it when it starts a pool.
