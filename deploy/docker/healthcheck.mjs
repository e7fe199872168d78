// Container health check (Dockerfile HEALTHCHECK, docker-compose.yml, `helm test`): exits 0
// when Blink answers 2xx, 1 otherwise. The image has no curl, so it uses Node's fetch.
//   node healthcheck.mjs [URL]    default: http://127.0.0.1:$REST_PORT/health/live (30004)
// Set REST_PORT in the environment if the settings file moves rest_port.
const TIMEOUT_MS = 3_000;
const DEFAULT_REST_PORT = 30004;

const url = process.argv[2] ?? `http://127.0.0.1:${process.env.REST_PORT || DEFAULT_REST_PORT}/health/live`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) {
    console.error(`${url}: HTTP ${response.status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`${url}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
process.exit(0);
