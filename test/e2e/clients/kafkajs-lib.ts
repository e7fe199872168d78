/**
 * The kafkajs package for the e2e tests, with one warning of Node 24 kept out of the output.
 *
 * kafkajs 2.2.4's request queue (scheduleCheckPendingRequests in
 * src/network/requestQueue/index.js) arms its throttle timer with `throttledUntil - Date.now()`
 * while throttledUntil is still -1 (never throttled): a delay of about -1.8e12 ms, which Node
 * clamps to 1 ms and reports as a TimeoutNegativeWarning. It is harmless and says nothing
 * about the broker, so it is dropped here, matched by name and by that function in its stack;
 * every other warning goes to Node's own printer as before. Every test file that runs kafkajs
 * imports it from here instead of from 'kafkajs' (types may still come from 'kafkajs').
 */
import kafkajs from 'kafkajs';

const KAFKAJS_THROTTLE_TIMER = /scheduleCheckPendingRequests \(.*kafkajs[\\/]src[\\/]network[\\/]requestQueue[\\/]/;

function isKafkajsThrottleTimer(warning: Error): boolean {
  return warning.name === 'TimeoutNegativeWarning' && KAFKAJS_THROTTLE_TIMER.test(warning.stack ?? '');
}

/** Node prints warnings from its own 'warning' listener: put a filter in front of it. */
function filterWarnings(): void {
  const printers = process.listeners('warning');
  for (const printer of printers) process.off('warning', printer);
  process.on('warning', (warning) => {
    if (isKafkajsThrottleTimer(warning)) return;
    for (const printer of printers) printer.call(process, warning);
  });
}

filterWarnings();

export default kafkajs;
