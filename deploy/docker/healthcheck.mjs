// Container health check (Dockerfile HEALTHCHECK, docker-compose.yml, `helm test`): exits 0
// when Blink answers 2xx, 1 otherwise. The image has no curl, so it uses Node's http/https.
//   node healthcheck.mjs [URL]    default: http://127.0.0.1:$REST_PORT/health/live (30004),
//                                 https://... when REST_SSL_ENABLED is true
// Set REST_PORT in the environment if the settings file moves rest_port. Over HTTPS the
// certificate is not verified: the probe asks for liveness of a broker it already trusts (as
// kubelet's HTTPS probes do), and 127.0.0.1 is rarely among the certificate's names.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const TIMEOUT_MS = 3_000;
const DEFAULT_REST_PORT = 30004;

const scheme = /^(true|yes|1)$/i.test(process.env.REST_SSL_ENABLED ?? '') ? 'https' : 'http';
const url = new URL(process.argv[2] ?? `${scheme}://127.0.0.1:${process.env.REST_PORT || DEFAULT_REST_PORT}/health/live`);

function get(target) {
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, { timeout: TIMEOUT_MS, rejectUnauthorized: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end();
  });
}

try {
  const status = await get(url);
  if (status < 200 || status > 299) {
    console.error(`${url}: HTTP ${status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`${url}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
process.exit(0);
