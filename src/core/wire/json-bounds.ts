/**
 * Bounds on free-form JSON a client may attach (a snapshot's or a rest's `context`): its
 * depth is checked without recursion, so a value nested thousands deep is refused with a
 * 400 instead of overflowing the stack here, in the store's serialiser or in a later read.
 */
import { InvalidInputError } from "../errors.js";

/** @example { maxBytes: 65_536, maxDepth: 32 } */
export interface JsonBounds {
  /** Serialised UTF-8 length. */
  maxBytes: number;
  /** Nesting of objects and arrays; a flat object has depth 1. */
  maxDepth: number;
}

/**
 * Throws an InvalidInputError on `field` when `value` nests deeper or serialises longer
 * than the bounds allow.
 * @example assertJsonBounds({ a: { b: 1 } }, "context", { maxBytes: 65_536, maxDepth: 32 }) // ok: depth 2
 */
export function assertJsonBounds(value: unknown, field: string, bounds: JsonBounds): void {
  const depth = jsonDepth(value, bounds.maxDepth);
  if (depth > bounds.maxDepth)
    throw new InvalidInputError(field, `nests deeper than ${bounds.maxDepth} levels`);
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  if (bytes > bounds.maxBytes)
    throw new InvalidInputError(field, `is ${bytes} bytes as JSON; at most ${bounds.maxBytes} are accepted`);
}

/**
 * Depth of objects and arrays, counted with an explicit stack; stops early once past `limit`.
 * @example jsonDepth([[1], {}], 32) // 2
 */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== "object" || node === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}
