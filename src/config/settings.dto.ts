import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Max,
  Min,
} from 'class-validator';
import { LOG_LEVELS, type LogLevel } from './blink-config.js';

const PORT_MIN = 1;
const PORT_MAX = 65_535;
const PARTITIONS_MAX = 10_000;
/** Kafka sizes are INT32 on the wire (e.g. Produce's record-batch length). */
const INT32_MAX = 2_147_483_647;

/**
 * The merged settings under their settings.yaml names, after unit conversion
 * (`setting-definitions.ts`) and before mapping to `BlinkConfig`. Messages read after the
 * offending value: "70000 must be a port between 1 and 65535".
 */
export class SettingsDto {
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1, { message: 'must be at least 1 byte' })
  max_memory!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  retention!: number;

  @IsArray({ message: 'must be a list of ports' })
  @ArrayNotEmpty({ message: 'must list at least one port' })
  @ArrayUnique({ message: 'must not list the same port twice' })
  @IsInt({ each: true, message: 'must list whole port numbers' })
  @Min(PORT_MIN, { each: true, message: `must list ports between ${PORT_MIN} and ${PORT_MAX}` })
  @Max(PORT_MAX, { each: true, message: `must list ports between ${PORT_MIN} and ${PORT_MAX}` })
  broker_ports!: number[];

  @IsInt({ message: 'must be a whole port number' })
  @Min(PORT_MIN, { message: `must be a port between ${PORT_MIN} and ${PORT_MAX}` })
  @Max(PORT_MAX, { message: `must be a port between ${PORT_MIN} and ${PORT_MAX}` })
  rest_port!: number;

  @IsString({ message: 'must be a host name or IP address' })
  @IsNotEmpty({ message: 'must not be empty' })
  kafka_hostname!: string;

  @IsString({ message: 'must be a host name or IP address' })
  @IsNotEmpty({ message: 'must not be empty' })
  advertised_hostname!: string;

  @IsString({ message: 'must be a directory path' })
  @IsNotEmpty({ message: 'must not be empty' })
  record_storage_path!: string;

  @IsBoolean({ message: 'must be true or false' })
  purge_on_fetch!: boolean;

  @IsBoolean({ message: 'must be true or false' })
  enable_consumer_groups!: boolean;

  @IsArray({ message: 'must be a list of file paths' })
  @IsString({ each: true, message: 'must list file paths' })
  @IsNotEmpty({ each: true, message: 'must not list empty paths' })
  plugin_paths!: string[];

  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: `must be between 1 and ${PARTITIONS_MAX}` })
  @Max(PARTITIONS_MAX, { message: `must be between 1 and ${PARTITIONS_MAX}` })
  kafka_cfg_num_partitions!: number;

  @IsBoolean({ message: 'must be true or false' })
  auto_create_topics!: boolean;

  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1, { message: 'must be at least 1 byte' })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX} bytes (Kafka sizes are 32-bit)` })
  message_max_bytes!: number;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  log_level!: LogLevel;
}

export type SettingKey = keyof SettingsDto;
