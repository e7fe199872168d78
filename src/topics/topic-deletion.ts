/**
 * Which topics a DeleteTopics request may delete, with Kafka 3.9's rules for naming them
 * (ControllerApis.deleteTopics): by name (v0-5, and v6 with a zero topic id) or by id (v6,
 * name null), never both; a name or an id given twice gets one INVALID_REQUEST answer; a name
 * and an id that reach the same topic are both INVALID_REQUEST; an unknown id is
 * UNKNOWN_TOPIC_ID, an unknown name UNKNOWN_TOPIC_OR_PARTITION. Answers keep the request's
 * order (Kafka shuffles them; clients match answers by name or id, never by position).
 */
import type { Topic } from '../storage/topic-registry.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { ZERO_UUID } from '../wire/reader.js';

/** A topic as DeleteTopics names it; `id` is the zero UUID when it is named by name. */
export interface TopicReference {
  readonly name: string | null;
  readonly id: string;
}

/** The answer for one reference: the topic's name and id as far as they are known. */
export interface TopicDeletion {
  readonly name: string | null;
  readonly id: string;
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string | null;
}

/** One reference of the request: refused already, or the topic it names. */
export type PlannedDeletion = { readonly refused: TopicDeletion } | { readonly topic: Topic };

export interface TopicLookup {
  byName(name: string): Topic | undefined;
  byId(id: string): Topic | undefined;
}

/** One entry per distinct reference, in request order: the topic to delete, or why not. */
export function planDeletion(references: readonly TopicReference[], lookup: TopicLookup): PlannedDeletion[] {
  const counts = new Map<string, number>();
  for (const ref of references) counts.set(keyOf(ref), (counts.get(keyOf(ref)) ?? 0) + 1);
  const answered = new Set<string>();
  const distinct = references.filter((ref) => !answered.has(keyOf(ref)) && answered.add(keyOf(ref)));
  const planned = distinct.map((ref) => planOne(ref, (counts.get(keyOf(ref)) ?? 0) > 1, lookup));
  const claims = new Map<Topic, number>();
  for (const plan of planned) if ('topic' in plan) claims.set(plan.topic, (claims.get(plan.topic) ?? 0) + 1);
  return planned.map((plan) =>
    'topic' in plan && (claims.get(plan.topic) ?? 0) > 1
      ? refuse(plan.topic.name, plan.topic.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.')
      : plan,
  );
}

function planOne(ref: TopicReference, duplicated: boolean, lookup: TopicLookup): PlannedDeletion {
  const byId = ref.id !== ZERO_UUID;
  if (ref.name === null && !byId) return refuse(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
  if (ref.name !== null && byId) return refuse(ref.name, ref.id, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
  if (duplicated) return byId ? refuse(null, ref.id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.') : refuse(ref.name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
  const topic = byId ? lookup.byId(ref.id) : lookup.byName(ref.name!);
  if (topic !== undefined) return { topic };
  return byId
    ? refuse(null, ref.id, ErrorCode.UNKNOWN_TOPIC_ID, `no topic has id ${ref.id}`)
    : refuse(ref.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${ref.name}' does not exist`);
}

function keyOf(ref: TopicReference): string {
  return ref.name !== null && ref.id === ZERO_UUID ? `name:${ref.name}` : `id:${ref.id}:${ref.name ?? ''}`;
}

function refuse(name: string | null, id: string, errorCode: ErrorCodeValue, errorMessage: string): PlannedDeletion {
  return { refused: { name, id, errorCode, errorMessage } };
}
