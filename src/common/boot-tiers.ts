/**
 * Keeps V8's compiling tiers (Sparkplug, Maglev, TurboFan) off while the broker boots: the
 * boot's code runs once (module evaluation, Nest's scan and injection, route registration,
 * settings parsing), so compiling it to machine code is work for nothing, and the memory it
 * leaves behind stays. Left on, V8 optimizes some 60 boot functions on its worker threads,
 * which pulls ~7 MiB of the compilers' own machine code (pages of the node binary) into the
 * broker's resident memory and leaves their zone memory in the malloc arenas; an idle broker
 * that never served a request keeps all of it. The tiers come back on at the end of the boot
 * (the event start.ts and main.ts share), so the produce and fetch paths tier up as usual
 * under their first load, which brings the compilers' pages back in then.
 *
 * Measured (bench/boot.mjs --idle, medians of interleaved boots; bench/README.md "Boot and
 * idle memory"): idle RSS -9.5 MiB (file -5.6, anonymous -3.9), boot CPU not higher.
 *
 * The tiers are switched with v8.setFlagsFromString after the bundle's code cache was read
 * (start.ts) and switched back before it is written, so the cache's flag hash is the start
 * command's. When the command line or NODE_OPTIONS chooses any of these flags itself (or
 * --jitless), nothing is switched: switching back would override that choice.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's flags for the tiers above the interpreter, in the order they are switched off. */
const TIERS = ['sparkplug', 'maglev', 'turbofan'] as const;
/** Command-line flags about the tiers (--no-opt is TurboFan's older name). */
const TIER_FLAG = /--(?:no-)?(?:[\w-]*(?:jitless|sparkplug|maglev|turbo)|opt\b)/;

/**
 * Switches the tiers off until `event` is emitted on `emitter` (they are switched back on
 * before the event's other listeners run). Returns false, switching nothing, when `commandLine`
 * (Node's own flags and NODE_OPTIONS by default) mentions a tier flag.
 */
export function holdTiersUntil(emitter: NodeJS.EventEmitter, event: string, commandLine: string = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`): boolean {
  if (TIER_FLAG.test(commandLine.replaceAll('_', '-'))) return false;
  for (const tier of TIERS) setFlagsFromString(`--no-${tier}`);
  emitter.prependOnceListener(event, () => {
    for (const tier of TIERS) setFlagsFromString(`--${tier}`);
  });
  return true;
}
