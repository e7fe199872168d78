/**
 * Bounds on the shape of a parsed REST body, checked before Nest's ValidationPipe sees it.
 * The body limit (limits.ts) bounds bytes, but 2 MiB of JSON can still hold 100,000 levels
 * of nesting (class-transformer recurses and overflows the stack: a 500) or 140,000 tiny
 * objects (class-validator takes seconds on the event loop, stalling Kafka traffic and the
 * liveness probe). No DTO of the REST API goes deeper than a few levels or holds more than
 * PRODUCE_RECORDS_MAX elements in one array, so a body beyond these bounds is a 400 with a
 * message, found by one iterative walk that stops at the first excess.
 */

export interface JsonBounds {
  /** Deepest nesting of objects and arrays (the body itself is level 1). */
  readonly depthMax: number;
  /** Most elements of one array. */
  readonly arrayLengthMax: number;
  /** Most objects and arrays in the whole body. */
  readonly containersMax: number;
}

/** What a REST body may be: produce bodies are records → record → headers → header (depth 4). */
export const ADMIN_JSON_BOUNDS: JsonBounds = { depthMax: 8, arrayLengthMax: 1_000, containersMax: 20_000 };

/** Why `body` exceeds `bounds`, or null when it does not. */
export function jsonBoundsProblem(body: unknown, bounds: JsonBounds): string | null {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: body, depth: 1 }];
  let containers = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (++containers > bounds.containersMax) return `the body holds more than ${bounds.containersMax} JSON objects and arrays`;
    if (depth > bounds.depthMax) return `the body nests JSON objects and arrays deeper than ${bounds.depthMax} levels`;
    const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
    if (Array.isArray(value) && value.length > bounds.arrayLengthMax) {
      return `an array of the body has ${value.length} elements, more than ${bounds.arrayLengthMax}`;
    }
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: depth + 1 });
  }
  return null;
}
