/**
 * OpenAPI metadata shared by the REST controllers: the error answers a route can give
 * (every protected route may answer 401; each route lists its own 4xx/5xx), all with the
 * `ErrorBody` schema, and the document itself (title, version, bearer and Basic schemes).
 */
import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiResponse, DocumentBuilder } from '@nestjs/swagger';
import { ErrorBodyDto } from '../dto/common.dto.js';

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Invalid request: a malformed body, a parameter out of range, a partition the topic does not have',
  [HttpStatus.UNAUTHORIZED]:
    'admin_token is set and the request has no `Authorization: Bearer <token>` header, or a wrong token; or, under the authorizer, HTTP Basic with a wrong ' +
    'user name or password, or over plain HTTP without rest_allow_basic_over_http; nothing was changed',
  [HttpStatus.NOT_FOUND]: 'The named resource does not exist',
  [HttpStatus.CONFLICT]: 'The resource is in a state that does not allow this',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'The body is neither application/json nor application/x-www-form-urlencoded',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'The request body is over the REST limit, or the records are over max.message.bytes',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'Refused by a plugin (records) or a plugin reload refused',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Storage is recovering or cannot write (memory full, WAL failing)',
};

/** The bearer or Basic requirement and 401, plus the listed error statuses. */
export function ApiProtected(...statuses: HttpStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiBasicAuth(),
    ...[HttpStatus.UNAUTHORIZED, ...statuses].map((status) => ApiResponse({ status, type: ErrorBodyDto, description: ERROR_DESCRIPTIONS[status] })),
  );
}

export function openApiDocument(version: string) {
  return new DocumentBuilder()
    .setTitle('Blink admin API')
    .setDescription(
      'The REST face of Blink on rest_port: the routes of the seed README (/produce, /fetch, /purge, /dump, /allocated, /version), ' +
        'the resource API under /api/v1 (topics, records, consumer groups, plugins, broker), health probes and Prometheus metrics. ' +
        'Every error is a JSON body with statusCode, error and message. When admin_token is set, every route except /health* and ' +
        '/prometheus needs `Authorization: Bearer <token>`. Under the authorizer, HTTP Basic with a SASL user is accepted too (over HTTPS: ' +
        'rest_ssl_enabled), and each request is checked against that user\'s ACLs.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque (admin_token)', description: 'The admin_token setting (ADMIN_TOKEN)' })
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'A SASL user and its password, under the authorizer (authorizer_enabled)' })
    .build();
}
