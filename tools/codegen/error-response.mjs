/**
 * Emits each API's error answer (`errorResponse` in the generated codec), as Kafka's
 * hand-written AbstractRequest.getErrorResponse does for every request: the response with
 * the error code in its top-level ErrorCode and in every item that has one, the items
 * mirroring the request's, so a client learns which of its topics, partitions, groups or
 * resources failed. The broker answers a failed handler with it (UNKNOWN_SERVER_ERROR).
 *
 * Pairing rules (the specs name the same things alike on both sides):
 * - an error code is an untagged int16 field named ErrorCode or ending in ErrorCode;
 * - a response array whose items hold an error code mirrors a request array of the struct
 *   being mirrored whose items share a field with them (struct items), or whose items have
 *   the type of a field of the response item (a list of names or partition indexes, copied
 *   into the first such field); when several request arrays qualify, the first one in the
 *   spec is taken, plus any that exist only in other versions (DeleteTopics: TopicNames in
 *   v0-5, Topics from v6);
 * - a response item copies the request item's identifying fields (names and ids: strings and
 *   uuids; partition indexes; resource types) into its field of the same type and name, or
 *   whose name begins with theirs (Fetch v0-12: Partition into PartitionIndex). Values the
 *   request asks about (a timestamp, an epoch, an offset) are not echoed: the response
 *   keeps its defaults there, as Kafka's error answers do.
 * A response with no error code anywhere gets no error answer (null), and the generator stops:
 * every Kafka response has one, and a broker must be able to answer every request it serves.
 */

const SCALAR_KINDS = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'uuid', 'string']);
/** Integer fields that identify an item rather than ask about it. */
const IDENTIFYING_INTEGER = /^(index|partition|producerId|brokerId)$|Index$|Type$/;
const ITEM_NAMES = 'abcdefgh';
/** Response item fields named after what they hold where the request says `name` (AlterUserScramCredentials: User). */
const NAME_ALIASES = new Set(['user']);
/**
 * The two APIs whose responses regroup the request's items in a way the rules above cannot
 * follow: AlterReplicaLogDirs answers per topic what it was asked per directory.
 */
const EXCEPTIONS = {
  AlterReplicaLogDirs:
    '{ results: request.dirs.flatMap((a) => a.topics.map((b) => ({ topicName: b.name, partitions: b.partitions.map((c) => ({ partitionIndex: c, errorCode })) }))) }',
};

/** `{ name, code, usesZeroUuid }` for the API's error-response function, or null when its response carries no error code. */
export function emitErrorResponse(api) {
  const state = { api, usesZeroUuid: false };
  const body = EXCEPTIONS[api.name] ?? mirrorStruct(state, api.request.tsPrefix, api.response.tsPrefix, 'request', 0, '  ');
  if (body === null) return null;
  const name = `error${api.response.tsPrefix}`;
  const code = [
    `/** ${api.name} answered with \`errorCode\` in every error field, items mirroring the request (Kafka's getErrorResponse). */`,
    `function ${name}(request: ${api.request.tsPrefix}, errorCode: number): ${api.response.tsPrefix} {`,
    `  return ${body};`,
    '}',
  ].join('\n');
  return { name, code, usesZeroUuid: state.usesZeroUuid };
}

function isErrorCode(field) {
  return field.tag === undefined && field.kind === 'int16' && (field.name === 'errorCode' || field.name.endsWith('ErrorCode'));
}

function isStructElement(field) {
  return field.kind === 'array' && /^[A-Z]/.test(field.element);
}

/** Whether a response struct holds an error code, directly or in an item of one of its arrays. */
function holdsError(state, structName) {
  return state.api.response.structs.get(structName).fields.some(
    (field) => isErrorCode(field) || (field.tag === undefined && isStructElement(field) && holdsError(state, field.element)),
  );
}

/** An object literal for response struct `resName` built from request value `reqExpr` (of struct `reqName`), or null when it carries no error. */
function mirrorStruct(state, reqName, resName, reqExpr, depth, indent) {
  const request = state.api.request.structs.get(reqName);
  const entries = [];
  let carriesError = false;
  for (const field of state.api.response.structs.get(resName).fields) {
    if (field.tag !== undefined) continue;
    if (isErrorCode(field)) {
      entries.push(field.name === 'errorCode' ? 'errorCode' : `${field.name}: errorCode`);
      carriesError = true;
    } else if (isStructElement(field) && holdsError(state, field.element)) {
      const items = mirrorArray(state, request, field, reqExpr, depth, indent);
      if (items === null) continue;
      entries.push(`${field.name}: ${items}`);
      carriesError = true;
    } else if (depth > 0 && SCALAR_KINDS.has(field.kind)) {
      const source = sourceOf(request, field);
      if (source !== undefined) entries.push(`${field.name}: ${copyExpr(state, `${reqExpr}.${source.name}`, source, field)}`);
    }
  }
  return carriesError ? `{ ${entries.join(', ')} }` : null;
}

function isIdentifying(field) {
  return field.kind === 'string' || field.kind === 'uuid' || IDENTIFYING_INTEGER.test(field.name);
}

/** The request item field a response item field copies (see the file comment). */
function sourceOf(request, target) {
  const scalars = request.fields.filter((f) => f.tag === undefined && f.kind === target.kind && isIdentifying(f));
  return (
    scalars.find((f) => f.name === target.name) ??
    scalars.find((f) => target.name.startsWith(f.name)) ??
    (NAME_ALIASES.has(target.name) ? scalars.find((f) => f.name === 'name') : undefined)
  );
}

function copyExpr(state, expr, source, target) {
  if (source.nullable === null || target.nullable !== null) return expr;
  if (target.defaultValue === 'ZERO_UUID') state.usesZeroUuid = true;
  return `${expr} ?? ${target.defaultValue}`;
}

/** The items of response array `target`, one per item of the request arrays it pairs with, or null when none does. */
function mirrorArray(state, request, target, reqExpr, depth, indent) {
  const responseItem = state.api.response.structs.get(target.element);
  const sources = request.fields.filter((f) => f.tag === undefined && f.kind === 'array' && pairs(state, f, responseItem));
  if (sources.length === 0) return null;
  const picked = [sources[0]];
  for (const other of sources.slice(1)) if (picked.every((p) => disjoint(p.versions, other.versions))) picked.push(other);
  const item = ITEM_NAMES[depth];
  const parts = picked.map((source) => {
    const array = source.nullable === null ? `${reqExpr}.${source.name}` : `(${reqExpr}.${source.name} ?? [])`;
    return `${array}.map((${item}) => (${itemExpr(state, source, target, item, depth, indent)}))`;
  });
  return parts.length === 1 ? parts[0] : `[${parts.map((p) => `...${p}`).join(', ')}]`;
}

function itemExpr(state, source, target, item, depth, indent) {
  if (isStructElement(source)) return mirrorStruct(state, source.element, target.element, item, depth + 1, indent);
  const responseItem = state.api.response.structs.get(target.element);
  const key = scalarTarget(responseItem, source.element);
  const errors = responseItem.fields.filter(isErrorCode).map((f) => (f.name === 'errorCode' ? 'errorCode' : `${f.name}: errorCode`));
  return `{ ${[`${key.name}: ${item}`, ...errors].join(', ')} }`;
}

/** Whether request array `source` can give the items of response struct `responseItem`. */
function pairs(state, source, responseItem) {
  if (isStructElement(source)) {
    const requestItem = state.api.request.structs.get(source.element);
    // Items that hold nothing but an error and lists (CreateAcls, DeleteAcls results) answer the request items one for one.
    return onlyError(responseItem) || responseItem.fields.some((f) => f.tag === undefined && SCALAR_KINDS.has(f.kind) && sourceOf(requestItem, f) !== undefined);
  }
  return responseItem.fields.some(isErrorCode) && scalarTarget(responseItem, source.element) !== undefined;
}

/** The first field of a response item that takes an element of a list of names or indexes. */
function scalarTarget(responseItem, elementKind) {
  return responseItem.fields.find((f) => f.tag === undefined && f.kind === elementKind && !isErrorCode(f) && f.name !== 'errorMessage');
}

function onlyError(struct) {
  return struct.fields.filter((f) => f.tag === undefined).every((f) => isErrorCode(f) || f.name === 'errorMessage' || f.kind === 'array');
}

function disjoint(a, b) {
  return a.max < b.min || b.max < a.min;
}
