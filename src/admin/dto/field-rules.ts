/**
 * class-validator rules the REST DTOs share beyond the library's own: an optional field that
 * may be left out but not sent as null (the OpenAPI document does not call it nullable), and
 * a JSON object whose values are all strings (topic configs).
 */
import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';

/** May be absent; when present (null included) the field's other rules apply. */
export function OptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string'),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an object whose values are strings`,
      },
    },
    options,
  );
}
