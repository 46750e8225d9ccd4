import { Controller, Get, HttpCode, MessageEvent, Param, Post, Res, Sse } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Observable } from 'rxjs';
import { ApiDeploymentIdParam, ApiTaskIdParam } from '../common/api-docs';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';
import { CancelTaskDocs, TaskEventsDocs, TaskStatusDocs } from './task-docs.decorator';
import { TasksService } from './tasks.service';
import { DeploymentIdPipe, TaskIdPipe } from '../common/params';

@ApiTags('tasks')
@ApiDeploymentIdParam()
@ApiTaskIdParam()
@Controller('api/page-deployments/:deploymentId/behaviors/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get(':taskId')
  @TaskStatusDocs()
  status(
    @Param('deploymentId', DeploymentIdPipe) deploymentId: string,
    @Param('taskId', TaskIdPipe) taskId: string,
  ): Promise<TaskStatusDto> {
    return this.tasks.status(deploymentId, taskId);
  }

  @Sse(':taskId/events')
  @TaskEventsDocs()
  events(
    @Param('deploymentId', DeploymentIdPipe) deploymentId: string,
    @Param('taskId', TaskIdPipe) taskId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Observable<MessageEvent>> {
    // The response only so that shutdown can wait for open streams to be flushed and closed.
    return this.tasks.liveStatus(deploymentId, taskId, reply.raw);
  }

  @Post(':taskId/cancel')
  @HttpCode(200)
  @CancelTaskDocs()
  cancel(
    @Param('deploymentId', DeploymentIdPipe) deploymentId: string,
    @Param('taskId', TaskIdPipe) taskId: string,
  ): Promise<CancelTaskResponseDto> {
    return this.tasks.cancel(deploymentId, taskId);
  }
}
