/**
 * Parsing and formatting of the human units used in settings: sizes ("512MB") and
 * durations ("30s"). Parsers throw `InvalidSettingValue`; the loader adds the key and source.
 *
 * Sizes: KB/MB/GB/TB are powers of 1024, exactly like KiB/MiB/GiB/TiB. The seed README
 * writes memory sizes such as `max_memory: "1GB"`, and memory is counted in powers of two,
 * so "1GB" means 2^30 bytes here rather than the SI 10^9.
 */

export class InvalidSettingValue extends Error {}

const SIZE_EXAMPLES = 'examples: 512MB, 2GB, 1GiB, 1048576';
const DURATION_EXAMPLES = 'examples: 500ms, 30s, 5m, 1h, 7d';

const KIB = 1024;
const BYTES_PER_SIZE_UNIT: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: KIB,
  kib: KIB,
  mb: KIB ** 2,
  mib: KIB ** 2,
  gb: KIB ** 3,
  gib: KIB ** 3,
  tb: KIB ** 4,
  tib: KIB ** 4,
};

const MS_PER_DURATION_UNIT: Readonly<Record<string, number>> = {
  '': 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const AMOUNT_WITH_UNIT = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Bytes from a plain number (bytes) or a string such as "1.5GB"; fractions of a byte round down. */
export function parseSize(raw: unknown): number {
  return parseAmount(raw, BYTES_PER_SIZE_UNIT, `is not a size (${SIZE_EXAMPLES})`);
}

/** Milliseconds from a plain number (milliseconds) or a string such as "30s"; fractions round down. */
export function parseDuration(raw: unknown): number {
  return parseAmount(raw, MS_PER_DURATION_UNIT, `is not a duration (${DURATION_EXAMPLES})`);
}

function parseAmount(raw: unknown, unitScale: Readonly<Record<string, number>>, complaint: string): number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  const match = typeof text === 'string' ? AMOUNT_WITH_UNIT.exec(text.trim()) : null;
  const scale = match ? unitScale[match[2]!.toLowerCase()] : undefined;
  if (!match || scale === undefined) throw new InvalidSettingValue(`${showValue(raw)} ${complaint}`);
  const amount = Math.floor(Number(match[1]) * scale);
  if (!Number.isSafeInteger(amount)) throw new InvalidSettingValue(`${showValue(raw)} is too large`);
  return amount;
}

/** The largest unit that represents `bytes` exactly ("1GB", "512MB"), else plain bytes ("1048588B"). */
export function formatSize(bytes: number): string {
  return formatAmount(bytes, [['TB', KIB ** 4], ['GB', KIB ** 3], ['MB', KIB ** 2], ['KB', KIB]], 'B');
}

/** The largest unit that represents `ms` exactly ("5m", "1h"), else milliseconds ("1500ms"). */
export function formatDuration(ms: number): string {
  return formatAmount(ms, [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]], 'ms');
}

function formatAmount(amount: number, units: ReadonlyArray<readonly [string, number]>, baseUnit: string): string {
  const exact = units.find(([, scale]) => amount > 0 && amount % scale === 0);
  return exact ? `${amount / exact[1]}${exact[0]}` : `${amount}${baseUnit}`;
}

/** How a raw setting value is quoted in error messages: strings in quotes, the rest as JSON. */
export function showValue(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw) ?? String(raw);
}
