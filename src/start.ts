/**
 * What every deployment runs (`npm start`, the Docker image, hence the Helm chart, and the
 * systemd unit): `node <heap flags> dist/start.js`, the flags as package.json's start script
 * gives them. It turns on V8's compile cache, then loads the bundled broker
 * (dist/bundle/broker.js, tools/bundle.mjs): one file where dist/main.js would load about a
 * thousand modules, and its compiled code read back from the cache instead of compiled again
 * at each boot. main.ts writes the cache once the broker is ready.
 *
 * The cache lives in BLINK_COMPILE_CACHE, else Node's NODE_COMPILE_CACHE, else
 * <tmpdir>/blink-compile-cache; a directory that cannot be written only costs the speed-up.
 */
import { enableCompileCache } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

enableCompileCache(process.env.BLINK_COMPILE_CACHE ?? process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'blink-compile-cache'));
await import(new URL('./bundle/broker.js', import.meta.url).href);
