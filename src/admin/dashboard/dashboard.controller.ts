/** `GET /dashboard/{asset}`: the dashboard's script, style and charting library (dashboard-assets.ts). */
import { Controller, Get, Headers, HttpStatus, Param, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { DASHBOARD_ASSET_NAMES, dashboardAsset, type DashboardAssetName } from './dashboard-assets.js';

export class DashboardAssetParams {
  @ApiProperty({ enum: DASHBOARD_ASSET_NAMES, example: 'uplot.js' })
  @IsIn(DASHBOARD_ASSET_NAMES, { message: `asset must be one of ${DASHBOARD_ASSET_NAMES.join(', ')}` })
  asset!: DashboardAssetName;
}

@ApiTags('dashboard')
@ApiExtraModels(DashboardAssetParams)
@Controller('dashboard')
export class DashboardController {
  @Get(':asset')
  @ApiOperation({ summary: 'A file of the dashboard page (script, style, uPlot); no token needed, it holds no data' })
  @ApiProduces('text/javascript', 'text/css')
  @ApiOkResponse({ description: 'The file; 304 when If-None-Match names its ETag', content: { 'text/javascript': { schema: { type: 'string', example: '(() => { /* ... */ })();' } }, 'text/css': { schema: { type: 'string', example: 'body { margin: 0 }' } } } })
  @ApiResponse({ status: HttpStatus.BAD_REQUEST, description: 'Not one of the dashboard files' })
  serve(@Param() params: DashboardAssetParams, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): string {
    const asset = dashboardAsset(params.asset);
    void reply.header('content-type', asset.contentType).header('etag', asset.etag).header('cache-control', 'no-cache');
    if (ifNoneMatch === asset.etag) {
      void reply.code(HttpStatus.NOT_MODIFIED);
      return '';
    }
    return asset.body;
  }
}
