// The router: method + path patterns over a segment tree (issue 2).
//
// Life of a match: the raw origin-form target is cut at its first '?' (RFC 9112 §3.2.1: the query is not
// part of the path), split on '/', and each segment that holds a '%' is percent-decoded once (RFC 3986
// §2.1; a malformed escape answers 400). The tree is then walked one segment at a time, trying the static
// child first, then the parameter child, then the trailing wildcard, and backing up when a branch dead-ends.
// Each node is visited at most once, so the cost depends on the path's depth and the tree's shape near it,
// never on how many routes exist elsewhere (scripts/bench-router.ts: 1,000 routes vs 10).
//
// Methods (RFC 9110 §9): HEAD falls back to the GET route (the writer sends no body for HEAD anyway). A
// path that matches only under other methods gets 405 with an Allow field listing them, sorted, including
// HEAD when GET exists and OPTIONS (weft answers OPTIONS on such paths itself with 204 + Allow unless an
// OPTIONS route exists, RFC 9110 §9.3.7). An unknown path gets 404, or the `notFound` handler.

import type { ServeInfo } from "./types.ts";

export interface RouteContext {
  /** Named params (`:id`) and the wildcard remainder (`*`), percent-decoded. */
  params: Record<string, string>;
  info: ServeInfo;
}

export type RouteHandler = (request: Request, ctx: RouteContext) => Response | Promise<Response>;

export interface RouterOptions {
  /** Answers requests whose path matches no route. Default: 404 text/plain "Not Found". */
  notFound?: RouteHandler;
  /** Answer OPTIONS on a known path without an OPTIONS route with 204 + Allow. Default true. When false,
   * such a request gets 405 like any other unlisted method. */
  autoOptions?: boolean;
}

/** A route was found. */
export interface RouteMatch {
  status: 200;
  handler: RouteHandler;
  params: Record<string, string>;
}

/** No route: 400 (malformed percent-encoding), 404 (unknown path), 405 (other methods only; `allow` is the
 * Allow value) or 204 (automatic OPTIONS; `allow` set). */
export interface RouteMiss {
  status: 204 | 400 | 404 | 405;
  handler: null;
  allow: string | null;
}

export type MatchResult = RouteMatch | RouteMiss;

/** The method key `all()` routes are stored under (not a valid method token, so it cannot collide). */
const ANY_METHOD = "*";
const WILDCARD = "*";
const PARAM_PREFIX = ":";
const QUERY_START = "?";
const PERCENT = "%";
// RFC 9110 §5.6.2: a method is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PARAM_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** One registered handler: where its params sit in the path, by position. */
interface Route {
  handler: RouteHandler;
  /** Names of the param segments in path order (the tree stores values by position, names per route, so
   * `/users/:id` and `/users/:name/posts` may share a node). */
  paramNames: readonly string[];
  /** The pattern ends with `*`. */
  wildcard: boolean;
}

class Node {
  /** Children by exact (decoded) segment text. */
  statics: Map<string, Node> | null = null;
  /** The `:name` child (any one non-empty segment). */
  param: Node | null = null;
  /** Routes ending in `*` here: they take the rest of the path, possibly empty. */
  wildcardRoutes: Map<string, Route> | null = null;
  /** Routes ending exactly at this node, by method. */
  routes: Map<string, Route> | null = null;
}

/** Percent-decode one segment; null when malformed (RFC 3986 §2.1, UTF-8 per §2.5). */
function decodeSegment(segment: string): string | null {
  if (!segment.includes(PERCENT)) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function methodAllowed(routes: Map<string, Route> | null, method: string): Route | undefined {
  if (routes === null) return undefined;
  return routes.get(method) ?? (method === "HEAD" ? routes.get("GET") : undefined) ?? routes.get(ANY_METHOD);
}

export class Router {
  readonly #root = new Node();
  /** Routes without params or wildcard, by their path as a request spells it (patterns with no "%"). */
  readonly #staticPaths = new Map<string, Map<string, Route>>();
  readonly #notFound: RouteHandler | undefined;
  readonly #autoOptions: boolean;

  constructor(options: RouterOptions = {}) {
    this.#notFound = options.notFound;
    this.#autoOptions = options.autoOptions ?? true;
  }

  get(pattern: string, handler: RouteHandler): this { return this.on("GET", pattern, handler); }
  post(pattern: string, handler: RouteHandler): this { return this.on("POST", pattern, handler); }
  put(pattern: string, handler: RouteHandler): this { return this.on("PUT", pattern, handler); }
  patch(pattern: string, handler: RouteHandler): this { return this.on("PATCH", pattern, handler); }
  delete(pattern: string, handler: RouteHandler): this { return this.on("DELETE", pattern, handler); }
  head(pattern: string, handler: RouteHandler): this { return this.on("HEAD", pattern, handler); }
  options(pattern: string, handler: RouteHandler): this { return this.on("OPTIONS", pattern, handler); }
  /** Any method (tried after an exact method route on the same pattern). */
  all(pattern: string, handler: RouteHandler): this { return this.#add(ANY_METHOD, pattern, handler); }

  /** Register `handler` for `method` (case-sensitive, RFC 9110 §9.1) and `pattern`: `/static`, `/users/:id`,
   * `/files/*`. Throws on a malformed pattern or a duplicate method + pattern. */
  on(method: string, pattern: string, handler: RouteHandler): this {
    if (!TOKEN.test(method)) throw new TypeError(`weft router: invalid method ${JSON.stringify(method)}`);
    return this.#add(method, pattern, handler);
  }

  #add(method: string, pattern: string, handler: RouteHandler): this {
    if (typeof handler !== "function") throw new TypeError("weft router: handler must be a function");
    if (!pattern.startsWith("/")) throw new TypeError(`weft router: pattern must start with "/": ${JSON.stringify(pattern)}`);
    const segments = pattern.slice(1).split("/");
    const paramNames: string[] = [];
    let node = this.#root;
    let wildcard = false;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment === WILDCARD) {
        if (i !== segments.length - 1) throw new TypeError(`weft router: "*" must be the last segment: ${pattern}`);
        wildcard = true;
        break;
      }
      if (segment.startsWith(PARAM_PREFIX)) {
        const name = segment.slice(1);
        if (!PARAM_NAME.test(name)) throw new TypeError(`weft router: bad param name in ${pattern}`);
        if (paramNames.includes(name)) throw new TypeError(`weft router: param :${name} repeats in ${pattern}`);
        paramNames.push(name);
        node = node.param ??= new Node();
        continue;
      }
      // Patterns may be written decoded or encoded ("/caf%C3%A9" and "/café" are the same route).
      const text = decodeSegment(segment);
      if (text === null) throw new TypeError(`weft router: malformed percent-encoding in ${pattern}`);
      node.statics ??= new Map();
      let child = node.statics.get(text);
      if (child === undefined) node.statics.set(text, (child = new Node()));
      node = child;
    }
    const table = wildcard ? (node.wildcardRoutes ??= new Map()) : (node.routes ??= new Map());
    if (table.has(method)) throw new Error(`weft router: duplicate route ${method === ANY_METHOD ? "ALL" : method} ${pattern}`);
    const route: Route = { handler, paramNames, wildcard };
    table.set(method, route);
    // The fast-path table shares the tree's per-node map, so both always agree.
    if (!wildcard && paramNames.length === 0 && !pattern.includes(PERCENT)) this.#staticPaths.set(pattern, table);
    return this;
  }

  /** Find the route for `method` and a raw origin-form target (`/a/b?q` — the query is ignored). No URL
   * parsing: this is the hot path. */
  match(method: string, target: string): MatchResult {
    // Absolute-form (RFC 9112 §3.2.2) is reduced to its path; asterisk-form and anything else names no route.
    if (!target.startsWith("/")) {
      if (!target.includes("://")) return { status: 404, handler: null, allow: null };
      target = pathOf(target);
    }
    const q = target.indexOf(QUERY_START);
    const end = q === -1 ? target.length : q;
    const percent = target.indexOf(PERCENT);
    const hasPercent = percent !== -1 && percent < end;
    // Fast path: a fully static route is what the tree walk would find first anyway (static wins at
    // every segment), so one Map lookup on the raw path answers it.
    if (!hasPercent) {
      const routes = this.#staticPaths.get(q === -1 ? target : target.slice(0, q));
      const route = routes === undefined ? undefined : methodAllowed(routes, method);
      if (route !== undefined) return { status: 200, handler: route.handler, params: {} };
    }
    const segments = splitPath(target, end, hasPercent);
    if (segments === null) return { status: 400, handler: null, allow: null };
    const values: string[] = [];
    const route = this.#find(this.#root, segments, 0, method, values);
    if (route !== null) return { status: 200, handler: route.handler, params: toParams(route, values, segments, this.#restAt) };

    // Slow path: which methods would have matched this path? (RFC 9110 §15.5.6: 405 MUST carry Allow.)
    const methods = new Set<string>();
    this.#collect(this.#root, segments, 0, methods);
    if (methods.size === 0) return { status: 404, handler: null, allow: null };
    // A path served by all() would have matched above; only explicit methods get here.
    if (methods.has("GET")) methods.add("HEAD");
    if (this.#autoOptions) methods.add("OPTIONS");
    const allow = [...methods].sort().join(", ");
    if (method === "OPTIONS" && this.#autoOptions) return { status: 204, handler: null, allow };
    return { status: 405, handler: null, allow };
  }

  /** Index of the first segment the wildcard route just found takes (set by #find; match() is synchronous
   * and calls no user code, so calls never interleave). */
  #restAt = 0;

  /** Depth-first, static before param before wildcard; `values` collects param values by position. */
  #find(node: Node, segments: string[], i: number, method: string, values: string[]): Route | null {
    if (i === segments.length) {
      const route = methodAllowed(node.routes, method);
      if (route !== undefined) return route;
    } else {
      const segment = segments[i]!;
      if (node.statics !== null) {
        const child = node.statics.get(segment);
        if (child !== undefined) {
          const found = this.#find(child, segments, i + 1, method, values);
          if (found !== null) return found;
        }
      }
      if (node.param !== null && segment !== "") {
        values.push(segment);
        const found = this.#find(node.param, segments, i + 1, method, values);
        if (found !== null) return found;
        values.pop();
      }
    }
    const route = methodAllowed(node.wildcardRoutes, method);
    if (route !== undefined) {
      this.#restAt = i;
      return route;
    }
    return null;
  }

  /** Every method of every route that matches the path (for Allow). */
  #collect(node: Node, segments: string[], i: number, out: Set<string>): void {
    if (node.wildcardRoutes !== null) for (const m of node.wildcardRoutes.keys()) out.add(m);
    if (i === segments.length) {
      if (node.routes !== null) for (const m of node.routes.keys()) out.add(m);
      return;
    }
    const child = node.statics?.get(segments[i]!);
    if (child !== undefined) this.#collect(child, segments, i + 1, out);
    if (node.param !== null && segments[i] !== "") this.#collect(node.param, segments, i + 1, out);
  }

  /** A FetchHandler: `serve({ fetch: router.fetch })` works (it is bound). */
  fetch = (request: Request, info: ServeInfo): Promise<Response> => {
    const result = this.match(request.method, pathOf(request.url));
    try {
      if (result.status === 200) return Promise.resolve(result.handler(request, { params: result.params, info }));
      if (result.status === 404 && this.#notFound !== undefined) {
        return Promise.resolve(this.#notFound(request, { params: {}, info }));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(missResponse(result));
  };
}

function toParams(route: Route, values: string[], segments: string[], restAt: number): Record<string, string> {
  const params: Record<string, string> = {};
  const names = route.paramNames;
  for (let i = 0; i < names.length; i++) params[names[i]!] = values[i]!;
  // The remainder is decoded segment by segment, so an encoded "%2F" arrives as "/": treat it as untrusted
  // (a static file server must normalise it and refuse "..").
  if (route.wildcard) params[WILDCARD] = restAt >= segments.length ? "" : segments.slice(restAt).join("/");
  return params;
}

/** Split `target[1..end)` on "/", percent-decoding every segment when `decode`; null when an escape is
 * malformed. An indexOf loop: measured ~3x faster than String.split on Node 20. */
function splitPath(target: string, end: number, decode: boolean): string[] | null {
  const out: string[] = [];
  let start = 1;
  for (;;) {
    let slash = target.indexOf("/", start);
    if (slash === -1 || slash > end) slash = end;
    const raw = target.slice(start, slash);
    if (decode) {
      const decoded = decodeSegment(raw);
      if (decoded === null) return null;
      out.push(decoded);
    } else {
      out.push(raw);
    }
    if (slash === end) return out;
    start = slash + 1;
  }
}

/** The path and query of an absolute URL without parsing it: WHATWG URL parsing would normalise dot
 * segments and re-encode, and costs more than the match itself. */
function pathOf(url: string): string {
  const scheme = url.indexOf("://");
  const slash = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  return slash === -1 ? "/" : url.slice(slash);
}

const MISS_TEXT: Record<RouteMiss["status"], string> = {
  204: "",
  400: "Bad Request\n",
  404: "Not Found\n",
  405: "Method Not Allowed\n",
};

function missResponse(miss: RouteMiss): Response {
  const headers = new Headers();
  if (miss.allow !== null) headers.set("allow", miss.allow);
  if (miss.status === 204) return new Response(null, { status: 204, headers });
  headers.set("content-type", "text/plain; charset=utf-8");
  return new Response(MISS_TEXT[miss.status], { status: miss.status, headers });
}
