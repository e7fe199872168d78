import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';

export class PluginParams {
  @ApiProperty({ example: 'content-filter', description: 'Plugin name: its file name without extension' })
  @IsString()
  @IsNotEmpty()
  name!: string;
}

export class PluginCountersDto {
  @ApiProperty({ example: 120, description: 'Calls (one per produced batch)' }) calls!: number;
  @ApiProperty({ example: 480 }) records!: number;
  @ApiProperty({ example: 2, description: 'Refused records whose batch was rejected' }) rejected!: number;
  @ApiProperty({ example: 0, description: 'Refused records left out of their batch' }) dropped!: number;
  @ApiProperty({ example: 0 }) rewritten!: number;
  @ApiProperty({ example: 0 }) errors!: number;
  @ApiProperty({ example: 0 }) timeouts!: number;
  @ApiProperty({ example: 0 }) restarts!: number;
  @ApiProperty({ example: 1 }) reloads!: number;
  @ApiProperty({ example: 0 }) reloadsRefused!: number;
}

export class PluginDto {
  @ApiProperty({ example: 'content-filter' })
  name!: string;

  @ApiProperty({ example: '/opt/blink/plugins/content-filter.wasm' })
  path!: string;

  @ApiProperty({ enum: ['record-plugin', 'record-transformer'], example: 'record-plugin' })
  world!: string;

  @ApiProperty({ enum: ['starting', 'running', 'restarting', 'failed', 'stopped'], example: 'running' })
  status!: string;

  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })
  sha256!: string;

  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' })
  loadedAt!: string;

  @ApiProperty({ type: Number, nullable: true, example: null, description: "init()'s result" })
  initResult!: number | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  lastError!: string | null;

  @ApiProperty({ type: PluginCountersDto })
  counters!: PluginCountersDto;
}

export class PluginReloadDto {
  @ApiProperty({ enum: ['reloaded', 'unchanged'], example: 'unchanged', description: 'A refused reload answers 422 with the reason' })
  outcome!: 'reloaded' | 'unchanged';

  @ApiProperty({ type: PluginDto })
  plugin!: PluginDto;
}
