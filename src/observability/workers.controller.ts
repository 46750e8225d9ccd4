import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { WorkersDto } from './dto/worker.dto';
import { WorkerHeartbeat } from './worker-heartbeat.service';

@ApiTags('operations')
@Controller('api/workers')
export class WorkersController {
  constructor(private readonly heartbeat: WorkerHeartbeat) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary: 'Live worker processes',
    description:
      'Every process serving queues (worker processes and APIs with embedded workers), from the ' +
      'heartbeats they keep in Redis: host, pid, queues, the tasks it runs now, since when. A ' +
      'process that stops cleanly leaves at once; one that dies, within three heartbeats.',
    operationId: 'listWorkers',
  })
  @ApiOkResponse({ type: WorkersDto })
  async list(): Promise<WorkersDto> {
    return { workers: await this.heartbeat.list() };
  }
}
