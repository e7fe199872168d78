/**
 * Numbers in query strings, path parameters and form fields, read as Kafka tools read them:
 * decimal digits with an optional sign and nothing else. `@Type(() => Number)` would use
 * JavaScript's Number(), which takes '0x10' as 16, ' ' and '' as 0 and '1e3' as 1000; here
 * such a string stays a string, so the field's @IsInt refuses it with a 400 naming the field.
 * JSON numbers pass unchanged.
 */
import { Transform } from 'class-transformer';

const DECIMAL = /^[-+]?\d+$/;

export function DecimalNumber(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value));
}
