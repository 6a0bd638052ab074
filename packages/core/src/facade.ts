// What WeftRequest (request.ts) and WeftResponse (weft-response.ts) share: a class that answers the
// common members itself and forwards every other member of the runtime's own class to a native object
// it builds on first need.

/**
 * Give `facade.prototype` every member of `native.prototype` it does not define itself (getters and
 * methods), each forwarding to `nativeOf(this, forMethod)`; then chain the prototypes, so that
 * `x instanceof NativeClass` holds. The list is read from the runtime's prototype, so a member added
 * by a later runtime version is forwarded too. `forMethod` tells the facade a method is about to run
 * (it may need to bring the native object up to date first).
 */
export function forwardToNative<T extends object>(
  facade: { prototype: T },
  native: { prototype: object },
  nativeOf: (self: T, forMethod: boolean) => object,
): void {
  for (const key of Reflect.ownKeys(native.prototype)) {
    if (key === "constructor" || Object.prototype.hasOwnProperty.call(facade.prototype, key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(native.prototype, key)!;
    if (typeof descriptor.get === "function") {
      Object.defineProperty(facade.prototype, key, {
        configurable: true,
        enumerable: descriptor.enumerable,
        get(this: T) {
          return (nativeOf(this, false) as Record<PropertyKey, unknown>)[key];
        },
      });
    } else if (typeof descriptor.value === "function") {
      Object.defineProperty(facade.prototype, key, {
        configurable: true,
        enumerable: descriptor.enumerable,
        writable: true,
        value(this: T, ...args: unknown[]) {
          const target = nativeOf(this, true) as Record<PropertyKey, (...a: unknown[]) => unknown>;
          return target[key]!(...args);
        },
      });
    }
  }
  Object.setPrototypeOf(facade.prototype, native.prototype);
}

/** Make `target` hold exactly the field lines of `source` (Set-Cookie lines stay apart when iterated):
 * the facade's Headers, changed after its native object was built, brought over to the native one. */
export function copyHeaders(target: Headers, source: Headers): void {
  for (const name of [...target.keys()]) target.delete(name);
  for (const [name, value] of source) target.append(name, value);
}
