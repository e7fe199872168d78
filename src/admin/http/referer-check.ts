/**
 * The cross-site check for browsers that send neither Sec-Fetch-Site nor Origin (older ones,
 * or a stripped Origin) but do send a Referer. Nest's cross-origin protection follows Go's
 * CrossOriginProtection and lets such a request through as a non-browser client; a Referer
 * from another host is still a browser on another site changing state here, so a
 * state-changing request carrying one (and no Origin to judge by) is refused with 403.
 * Tools (curl, the Kafka CLI's REST peers) send no Referer and are not affected.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestSignals {
  readonly method: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly secFetchSite: string | undefined;
  readonly referer: string | undefined;
}

/** Why the request must be refused, or null when this check lets it through. */
export function crossSiteRefererProblem(request: RequestSignals): string | null {
  if (SAFE_METHODS.has(request.method) || request.secFetchSite !== undefined || request.origin !== undefined) return null;
  if (request.referer === undefined) return null;
  let refererHost: string;
  try {
    refererHost = new URL(request.referer).host;
  } catch {
    return 'cross-origin request refused: the Referer header is not a URL';
  }
  if (request.host !== undefined && refererHost === request.host.toLowerCase()) return null;
  return `cross-origin request refused: Referer ${refererHost} is not this host`;
}
