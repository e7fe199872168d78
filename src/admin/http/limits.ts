/**
 * Largest REST request body accepted (Fastify's bodyLimit; larger bodies get 413 before they
 * are read). A produce through REST carries at most this much JSON or form data, base64
 * included; bigger batches belong on the Kafka port (message_max_bytes).
 */
export const ADMIN_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * Longest path parameter the router matches (Fastify's default is 100): a topic name may
 * have 249 characters, a consumer group id is any string; beyond this a path is 404.
 */
export const ADMIN_PATH_PARAMETER_MAX_CHARS = 1_024;

/** The Fastify options of the REST listener (main.ts creates the adapter with them). */
export const ADMIN_FASTIFY_OPTIONS = {
  bodyLimit: ADMIN_BODY_LIMIT_BYTES,
  routerOptions: { maxParamLength: ADMIN_PATH_PARAMETER_MAX_CHARS },
} as const;
