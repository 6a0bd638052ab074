// Static files (issue 5): serveStatic and the pieces it is made of, exported for tests and adapters.
export { serveStatic, type ServeStaticOptions } from "./serve-static.ts";
export { contentTypeOf, acceptedCodings } from "./negotiate.ts";
export { parseRange, etagOf, isNotModified, ifRangeAllows } from "./conditional.ts";
export { toSafePath, isInside } from "./path.ts";
export { escapeHtml, renderListing } from "./listing.ts";
