import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { CancelTaskResponseDto, TaskStatusDto } from '../tasks/dto/task-status.dto';
import { CancelTaskDocs, TaskStatusDocs } from '../tasks/task-docs.decorator';
import { TasksService } from '../tasks/tasks.service';
import { sendTrigger } from './behaviors.controller';
import { BehaviorsService, TriggerResponse } from './behaviors.service';
import { TriggerBehaviorDto } from './dto/trigger-behavior.dto';
import { TriggerDocs } from './trigger-docs.decorator';

/**
 * The paths the old frontend calls (`/api/deploy/...`). Same services, same answers; kept
 * until that frontend moves to `/api/page-deployments/...`.
 */
@ApiTags('deprecated')
@Controller('api/deploy/:deploymentId/behaviors')
export class LegacyBehaviorsController {
  constructor(
    private readonly behaviors: BehaviorsService,
    private readonly tasks: TasksService,
  ) {}

  @Post('trigger')
  @HttpCode(202)
  @TriggerDocs(true)
  async trigger(
    @Param('deploymentId') deploymentId: string,
    @Body() dto: TriggerBehaviorDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TriggerResponse['body']> {
    return sendTrigger(res, await this.behaviors.trigger(deploymentId, dto));
  }

  @Get('tasks/:taskId')
  @TaskStatusDocs(true)
  status(
    @Param('deploymentId') deploymentId: string,
    @Param('taskId') taskId: string,
  ): Promise<TaskStatusDto> {
    return this.tasks.status(deploymentId, taskId);
  }

  @Post('tasks/:taskId/cancel')
  @HttpCode(200)
  @CancelTaskDocs(true)
  cancel(
    @Param('deploymentId') deploymentId: string,
    @Param('taskId') taskId: string,
  ): Promise<CancelTaskResponseDto> {
    return this.tasks.cancel(deploymentId, taskId);
  }
}
