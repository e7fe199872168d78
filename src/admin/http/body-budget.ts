/**
 * A bound on the REST request bodies held at once. The body limit (limits.ts) bounds each
 * body, not how many arrive together: 1,000 concurrent produces of 500 kB (each waiting for
 * a full memory tier) took a broker with max_memory 64 MB from 116 to 1,529 MiB of RSS, bodies
 * and their parsed JSON. A request that declares a body (Content-Length, or chunked: counted
 * as the body limit) reserves its size from ADMIN_BODY_BYTES_IN_FLIGHT_MAX before its body is
 * read and gives it back when its response is done or its connection closes; one that does
 * not fit is answered 429 with Retry-After at once, its body unread. Requests without a body
 * (health probes, /prometheus, every GET) are never refused; one body always fits, however
 * large the others.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';
import { ADMIN_BODY_LIMIT_BYTES } from './limits.js';

/** REST request body bytes held at once (declared sizes): 16 bodies at the body limit. */
export const ADMIN_BODY_BYTES_IN_FLIGHT_MAX = 16 * ADMIN_BODY_LIMIT_BYTES;
/** Seconds a refused client is told to wait (Retry-After). */
export const ADMIN_BODY_RETRY_AFTER_S = 1;

/** The body size a request declares: Content-Length, the body limit when chunked, else 0. */
function declaredBodyBytes(request: FastifyRequest): number {
  const length = Number(request.headers['content-length']);
  if (Number.isSafeInteger(length) && length > 0) return Math.min(length, ADMIN_BODY_LIMIT_BYTES);
  return request.headers['transfer-encoding'] === undefined ? 0 : ADMIN_BODY_LIMIT_BYTES;
}

/** The onRequest hook holding `maxBytes` of bodies at most; `heldBytes` reads what it holds. */
export function bodyBudgetHook(maxBytes = ADMIN_BODY_BYTES_IN_FLIGHT_MAX): { hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>; heldBytes: () => number } {
  let held = 0;
  const hook = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const bytes = declaredBodyBytes(request);
    if (bytes === 0) return;
    if (held > 0 && held + bytes > maxBytes) {
      void reply.code(429).header('retry-after', String(ADMIN_BODY_RETRY_AFTER_S));
      return reply.send(errorBody(429, `too many request bodies at once: ${held} bytes are being handled and this one would pass the ${maxBytes}-byte bound of the REST API; retry after ${ADMIN_BODY_RETRY_AFTER_S} s`));
    }
    held += bytes;
    // 'close' comes once the response is done or the connection went away, whichever is first.
    reply.raw.once('close', () => (held -= bytes));
  };
  return { hook, heldBytes: () => held };
}
