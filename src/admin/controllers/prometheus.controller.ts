import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';

const EXPOSITION_EXAMPLE = `# HELP blink_produce_count Produce requests handled
# TYPE blink_produce_count counter
blink_produce_count 1200
# HELP blink_in_memory_queue_size_bytes Record-batch bytes held in memory
# TYPE blink_in_memory_queue_size_bytes gauge
blink_in_memory_queue_size_bytes 1048576
`;

/** `/prometheus` (path set by PrometheusModule.register), documented; open even when admin_token is set. */
@ApiTags('monitoring')
@Controller()
export class DocumentedPrometheusController extends PrometheusController {
  @Get()
  @ApiOperation({ summary: 'Metrics in the Prometheus text format (no token needed)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus exposition format 0.0.4', schema: { type: 'string', example: EXPOSITION_EXAMPLE } })
  override index(@Res({ passthrough: true }) response: unknown): Promise<string> {
    return super.index(response);
  }
}
