import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { OptionalNotNull } from './field-rules.js';

const OPTIONAL_BODY = Symbol('blink:optional-body');

/** On a body DTO: the route also takes a request without a body (document it with `@ApiBody({ required: false })`). */
export function OptionalBody(): ClassDecorator {
  return (target) => Reflect.defineMetadata(OPTIONAL_BODY, true, target);
}

export function isOptionalBody(dto: unknown): boolean {
  return typeof dto === 'function' && Reflect.getMetadata(OPTIONAL_BODY, dto) === true;
}

export const ENCODINGS = ['utf8', 'base64'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export class ErrorBodyDto {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'Not Found' })
  error!: string;

  @ApiProperty({ example: "topic 'orders' does not exist" })
  message!: string;

  @ApiPropertyOptional({ type: [String], description: 'Each validation problem (400 answers)', example: ['partition must not be less than 0'] })
  details?: string[];
}

/** The `encoding` choice shared by produce and fetch requests. */
export class EncodingDto {
  @ApiPropertyOptional({
    enum: ENCODINGS,
    default: 'utf8',
    example: 'utf8',
    description: 'How keys, values and header values are written in this request and its answer: UTF-8 text, or base64 for binary data. ' +
      'An answer record whose bytes are not valid UTF-8 is written in base64 and says so in its own `encoding`.',
  })
  @OptionalNotNull()
  @IsIn(ENCODINGS, { message: `encoding must be one of ${ENCODINGS.join(', ')}` })
  encoding?: Encoding;
}
