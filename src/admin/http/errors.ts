import { type ArgumentMetadata, type ArgumentsHost, BadRequestException, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger, type ValidationError, ValidationPipe } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isOptionalBody } from '../dto/common.dto.js';
import type { Clock } from '../../common/clock.js';
import { RateLimitedLog } from '../../common/rate-limited-log.js';

/** Every REST error answer: the status, its name, what was wrong, and (validation) each problem. */
export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  readonly details?: readonly string[];
}

export function errorBody(statusCode: number, message: string, details?: readonly string[]): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(details !== undefined && details.length > 0 ? { details } : {}) };
}

/** "records.0.value must be a string" for nested DTOs. */
function describeValidation(errors: readonly ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((text) => (text.startsWith(error.property) ? `${prefix}${text}` : `${path}: ${text}`));
    return [...own, ...describeValidation(error.children ?? [], `${path}.`)];
  });
}

/**
 * The ValidationPipe of the REST face: DTOs are transformed (query and form strings become
 * numbers where the DTO says so), unknown properties are refused, and every problem is
 * listed in one 400 answer. A route that takes a body DTO refuses a request without a body
 * (the OpenAPI document says the body is required; an empty object is a body).
 */
/** Why a route's body cannot be taken at all (missing where required, or not a JSON object), or null. */
export function bodyShapeProblem(value: unknown, optional: boolean): string | null {
  if (value === undefined) return optional ? null : 'this route needs a JSON body (send {} for an empty one)';
  return value === null || typeof value !== 'object' || Array.isArray(value) ? 'the body must be a JSON object' : null;
}

class AdminValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object) {
      const problem = bodyShapeProblem(value, isOptionalBody(metadata.metatype));
      if (problem !== null) throw new BadRequestException(errorBody(HttpStatus.BAD_REQUEST, problem));
    }
    return super.transform(value, metadata);
  }
}

export function adminValidationPipe(): ValidationPipe {
  return new AdminValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => validationFailure(describeValidation(errors)),
  });
}

/** The 400 of a request that failed validation: every problem, in the message and in `details`. */
export function validationFailure(details: readonly string[]): BadRequestException {
  return new BadRequestException(errorBody(HttpStatus.BAD_REQUEST, `invalid request: ${details.join('; ')}`, details));
}

/**
 * A structured answer that is not an error message, sent unchanged: Terminus answers a
 * failed health check with 503 and its report (`status`, `info`, `error`, `details`).
 */
function isReport(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && !('message' in answer) && 'status' in answer && 'details' in answer;
}

/**
 * Node's error for a request whose client closed the connection before its body arrived
 * (http server abortIncoming): nobody is left to answer, and a client decides how often it
 * happens, so it is logged at debug level, not as a broker error.
 */
function isClientAbort(exception: unknown): boolean {
  return exception instanceof Error && (exception as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/**
 * Turns every failure of a REST request into an `ErrorBody` JSON answer (the health report
 * excepted, see `isReport`; a request its client aborted gets no answer, see `isClientAbort`): Nest's HTTP exceptions, the errors Fastify raises before a
 * handler runs (a body over the limit is 413, a malformed JSON body 400, an unsupported
 * media type 415) and unexpected errors, which are logged with their stack and answered 500
 * without their internals. A deliberate 5xx (storage recovering or full) is a warning, at most one
 * line a minute per status with a count of the others: a client retrying it must not flood the log.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  /** A broker refusing what it cannot do now (503: recovering, memory full, WAL failing): a warning a client can repeat, so rate-limited, without a stack. */
  private readonly refusals: RateLimitedLog;

  constructor(
    private readonly bodyLimitBytes: number,
    clock: Clock,
    private readonly log: Pick<Logger, 'error' | 'warn' | 'debug'> = new Logger('AdminApi'),
  ) {
    this.refusals = new RateLimitedLog(this.log, clock);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    if (isClientAbort(exception)) {
      this.log.debug(`a REST request was aborted by its client: ${(exception as Error).message}`);
      return;
    }
    if (exception instanceof HttpException && isReport(exception.getResponse())) {
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const body = this.toBody(exception);
    if (!(exception instanceof HttpException)) this.log.error(`${body.message}: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    else if (body.statusCode >= 500) this.refusals.warn(`refused-${body.statusCode}`, `a REST request was refused with ${body.statusCode}: ${body.message}`);
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (!(exception instanceof HttpException)) return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'internal error (logged by the broker)');
    const status = exception.getStatus();
    const fastifyCode = (exception.cause as { code?: unknown } | undefined)?.code;
    if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return errorBody(status, `request body exceeds the ${this.bodyLimitBytes}-byte limit of the REST API`);
    if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return errorBody(status, 'send the body as application/json or application/x-www-form-urlencoded');
    const answer = exception.getResponse();
    if (typeof answer === 'string') return errorBody(status, answer);
    const { message, details } = answer as { message?: unknown; details?: unknown };
    const detailList = Array.isArray(details) ? details.map(String) : Array.isArray(message) ? message.map(String) : undefined;
    const text = typeof message === 'string' ? message : detailList !== undefined ? detailList.join('; ') : exception.message;
    return errorBody(status, text, detailList);
  }
}
