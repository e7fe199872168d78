/**
 * The REST produce body (POST /api/v1/topics/:topic/records), validated by hand in one pass.
 * class-validator took 0.5-0.9 s of event-loop time over the largest body the JSON bounds
 * let through (1,000 records and ~18,000 headers: an object per field per decorator, and
 * a ValidationError tree), stalling Kafka traffic and the liveness probe for as long; this
 * pass looks at each value once, allocates nothing per accepted field and stops after
 * PROBLEMS_MAX problems, so the largest body validates in about a millisecond.
 *
 * It accepts exactly what ProduceRecordsDto describes (records.dto.ts, which stays the
 * OpenAPI description of the body), with the messages class-validator gave, each naming
 * the field's path (`records.3.headers.0.key must be a string`): unknown properties are
 * refused, `partition` may be a decimal string (a form field, as DecimalNumber reads it),
 * an optional field may be left out but is null only where the document says it is nullable
 * (a record's key and value, a header's value), as OptionalNotNull has it for the DTOs.
 * The JSON shape bounds (http/json-bounds.ts: depth, array length, object count) have
 * already been checked when it runs.
 */
import { type ArgumentMetadata, BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { bodyShapeProblem, validationFailure } from '../http/errors.js';
import { ENCODINGS, type Encoding } from './common.dto.js';
import { PRODUCE_RECORDS_MAX, RECORD_HEADERS_MAX } from './records.dto.js';

/** The most problems one 400 answer lists (a body of 1,000 bad records would list thousands). */
export const PROBLEMS_MAX = 100;
const DECIMAL = /^[-+]?\d+$/;
const BODY_FIELDS: ReadonlySet<string> = new Set(['encoding', 'partition', 'records']);
const RECORD_FIELDS: ReadonlySet<string> = new Set(['key', 'value', 'headers', 'timestamp']);
const HEADER_FIELDS: ReadonlySet<string> = new Set(['key', 'value']);

export interface ProduceHeader {
  readonly key: string;
  readonly value: string | null;
}

export interface ProduceRecord {
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers?: readonly ProduceHeader[];
  readonly timestamp?: number;
}

/** A produce body that passed `validateProduceBody`. */
export interface ProduceBody {
  readonly encoding?: Encoding;
  readonly partition?: number;
  readonly records: readonly ProduceRecord[];
}

type JsonObject = Readonly<Record<string, unknown>>;

/** The problems found so far; validation stops once PROBLEMS_MAX are listed. */
class Problems {
  readonly listed: string[] = [];

  add(problem: string): void {
    if (this.listed.length < PROBLEMS_MAX) this.listed.push(problem);
  }

  get full(): boolean {
    return this.listed.length >= PROBLEMS_MAX;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Unknown properties; `prefix` gives the object's path (built only for a problem). */
function checkFields(object: JsonObject, allowed: ReadonlySet<string>, prefix: () => string, problems: Problems): void {
  for (const name in object) {
    if (Object.hasOwn(object, name) && !allowed.has(name)) problems.add(`property ${prefix()}${name} should not exist`);
  }
}

/** An optional string that may also be null (a key, a value). */
function checkNullableString(value: unknown, path: string, problems: Problems): void {
  if (value !== undefined && value !== null && typeof value !== 'string') problems.add(`${path} must be a string`);
}

/** A whole number in [0, max] (class-validator's IsInt, Min(0), Max). */
function checkCount(value: unknown, path: string, max: number, problems: Problems): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) problems.add(`${path} must be an integer number`);
  else if (value < 0) problems.add(`${path} must not be less than 0`);
  else if (value > max) problems.add(`${path} must not be greater than ${max}`);
}

function checkArray(value: unknown, path: string, min: number, max: number, problems: Problems): value is readonly unknown[] {
  if (!Array.isArray(value)) problems.add(`${path} must be an array`);
  else if (value.length < min) problems.add(`${path} must contain at least ${min} elements`);
  else if (value.length > max) problems.add(`${path} must contain no more than ${max} elements`);
  else return true;
  return false;
}

/** A header's problems; its path is only spelled out for a problem (this runs for every header of the body). */
function checkHeader(header: unknown, record: number, index: number, problems: Problems): void {
  const path = (): string => `records.${record}.headers.${index}`;
  if (!isObject(header)) return problems.add(`${path()} must be an object`);
  checkFields(header, HEADER_FIELDS, () => `${path()}.`, problems);
  if (typeof header.key !== 'string') problems.add(`${path()}.key must be a string`);
  else if (header.key === '') problems.add(`${path()}.key should not be empty`);
  if (header.value !== null && typeof header.value !== 'string') problems.add(`${path()}.value must be a string or null`);
}

function checkRecord(record: unknown, index: number, problems: Problems): void {
  const path = `records.${index}`;
  if (!isObject(record)) return problems.add(`${path} must be an object`);
  checkFields(record, RECORD_FIELDS, () => `${path}.`, problems);
  checkNullableString(record.key, `${path}.key`, problems);
  checkNullableString(record.value, `${path}.value`, problems);
  if (record.timestamp !== undefined) checkCount(record.timestamp, `${path}.timestamp`, Number.MAX_SAFE_INTEGER, problems);
  const headers = record.headers;
  if (headers === undefined || !checkArray(headers, `${path}.headers`, 0, RECORD_HEADERS_MAX, problems)) return;
  for (let i = 0; i < headers.length && !problems.full; i++) checkHeader(headers[i], index, i, problems);
}

/** `partition` as DecimalNumber reads it: a JSON number, or a string of decimal digits. */
function partitionOf(value: unknown): unknown {
  return typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
}

/** The body itself, or its problems (the first PROBLEMS_MAX: validation stops there). */
export function validateProduceBody(body: unknown): { readonly body: ProduceBody } | { readonly problems: readonly string[] } {
  const problems = new Problems();
  const shape = bodyShapeProblem(body, false);
  if (shape !== null || !isObject(body)) return { problems: [shape ?? 'the body must be a JSON object'] };
  checkFields(body, BODY_FIELDS, () => '', problems);
  if (body.encoding !== undefined && !(ENCODINGS as readonly unknown[]).includes(body.encoding)) problems.add(`encoding must be one of ${ENCODINGS.join(', ')}`);
  const partition = partitionOf(body.partition);
  if (partition !== undefined) checkCount(partition, 'partition', Number.MAX_SAFE_INTEGER, problems);
  const records = body.records;
  if (checkArray(records, 'records', 1, PRODUCE_RECORDS_MAX, problems)) {
    for (let i = 0; i < records.length && !problems.full; i++) checkRecord(records[i], i, problems);
  }
  if (problems.listed.length > 0) return { problems: problems.listed };
  return { body: { ...body, partition } as ProduceBody };
}

/** `validateProduceBody` as the produce route's body pipe: the body, or a 400 listing its problems. */
@Injectable()
export class ProduceBodyPipe implements PipeTransform<unknown, ProduceBody> {
  transform(value: unknown, _metadata: ArgumentMetadata): ProduceBody {
    const verdict = validateProduceBody(value);
    if ('body' in verdict) return verdict.body;
    const stopped = verdict.problems.length >= PROBLEMS_MAX ? [`validation stopped after ${PROBLEMS_MAX} problems`] : [];
    throw validationFailure([...verdict.problems, ...stopped]);
  }
}
