// Mapping a request path to a path under the root, refusing every way out of it.
//
// The request's URL has already been through the WHATWG URL parser, which removes `.`/`..` segments
// (also their `%2e` spellings) and turns `\` into `/` for http URLs. We do not rely on that: a path is
// checked again segment by segment AFTER percent-decoding, because the decoded text is what reaches the
// file system. Anything a correct link can never produce is refused with 400 (Go's FileServer does the
// same for `..`): that includes an encoded slash (%2f) or backslash (%5c) inside a segment, a NUL byte,
// a `.` or `..` segment, a drive letter (`C:`) and malformed percent-encoding. Refusing, rather than
// "fixing", means no later code can disagree with this function about what the path meant.

/** A request path that is safe to append to the root. */
export interface SafePath {
  ok: true;
  /** Decoded segments, none empty, none containing `/`, `\`, NUL, none `.` or `..`. */
  segments: string[];
  /** The request path ended with `/` (a directory URL). */
  trailingSlash: boolean;
}

export interface UnsafePath {
  ok: false;
  /** Why, for tests and logs only: never sent to the client. */
  reason: string;
}

const DRIVE_LETTER = /^[a-zA-Z]:/;
// Characters that must never appear in a decoded segment: path separators of any OS and NUL.
const FORBIDDEN_IN_SEGMENT = /[/\\\0]/;

/** Decode and check a URL pathname (as in `new URL(request.url).pathname`). */
export function toSafePath(pathname: string): SafePath | UnsafePath {
  if (!pathname.startsWith("/")) return { ok: false, reason: "not absolute-path form" };
  // A raw backslash can only arrive when the URL was not parsed as http (or the server kept the raw
  // target): on Windows it is a separator, so it is refused before any decoding.
  if (pathname.includes("\\")) return { ok: false, reason: "backslash" };
  const segments: string[] = [];
  const raw = pathname.split("/");
  for (let i = 1; i < raw.length; i++) {
    const encoded = raw[i]!;
    // Empty segments (`//`) are skipped: joining with "/" can never turn them into a way out, and
    // skipping them means a redirect built from `segments` never starts with `//` (an open redirect
    // to another host, as in Go issue 4146 / CVE-2017-1000048 style bugs).
    if (encoded === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return { ok: false, reason: "malformed percent-encoding" };
    }
    if (FORBIDDEN_IN_SEGMENT.test(segment)) return { ok: false, reason: "separator or NUL inside a segment" };
    if (segment === "." || segment === "..") return { ok: false, reason: "dot segment" };
    // `C:x` is a drive path on Windows wherever it appears once joined; harmless elsewhere, refused everywhere.
    if (DRIVE_LETTER.test(segment)) return { ok: false, reason: "drive letter" };
    segments.push(segment);
  }
  return { ok: true, segments, trailingSlash: pathname.endsWith("/") && segments.length > 0 };
}

/** RFC 8615 well-known URIs (ACME challenges, security.txt…) live under `/.well-known/`: a file server
 * that hides dotfiles still serves that one folder at the top of the root, as Caddy and nginx setups do. */
const WELL_KNOWN = ".well-known";

/** True if any segment is hidden (starts with "."), except a leading `.well-known`. */
export const hasDotSegment = (segments: readonly string[]): boolean =>
  segments.some((s, i) => s.startsWith(".") && !(i === 0 && s === WELL_KNOWN));

/** Join a root with safe segments using "/", which every supported OS accepts. */
export function joinUnderRoot(root: string, segments: readonly string[]): string {
  const base = root.endsWith("/") ? root.slice(0, -1) : root;
  return segments.length === 0 ? base || "/" : `${base}/${segments.join("/")}`;
}

/** Normalise a real path for comparison: Windows real paths use `\`. */
const slashes = (path: string): string => path.replace(/\\/g, "/");

/** Is `real` the root itself or inside it? Both must be real paths (symlinks resolved). */
export function isInside(realRoot: string, real: string): boolean {
  const root = slashes(realRoot).replace(/\/+$/, "");
  const path = slashes(real);
  return path === root || path.startsWith(`${root}/`);
}

/** The segments of `real` below `realRoot` (used to re-check dotfiles after symlinks are resolved). */
export function segmentsBelow(realRoot: string, real: string): string[] {
  const root = slashes(realRoot).replace(/\/+$/, "");
  return slashes(real).slice(root.length).split("/").filter((s) => s !== "");
}

/** The canonical URL path for segments, each percent-encoded: used for redirects and listing links. */
export function urlPathOf(segments: readonly string[], trailingSlash: boolean): string {
  const path = `/${segments.map(encodeURIComponent).join("/")}`;
  return trailingSlash && segments.length > 0 ? `${path}/` : path;
}
