import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@Controller('api/page-deployments/:deploymentId/behaviors/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get(':taskId')
  @ApiOperation({ summary: 'Check task status', operationId: 'getTaskStatus' })
  @ApiOkResponse({ type: TaskStatusDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'Unknown task, or a task of another deployment',
  })
  status(
    @Param('deploymentId') deploymentId: string,
    @Param('taskId') taskId: string,
  ): Promise<TaskStatusDto> {
    return this.tasks.status(deploymentId, taskId);
  }

  @Post(':taskId/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel task',
    description:
      'A queued task is removed at once; a running one is asked to stop and killed after the grace ' +
      'period. Answers when the task is over. Cancelling a cancelled task again answers 200.',
    operationId: 'cancelTask',
  })
  @ApiOkResponse({ type: CancelTaskResponseDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The task already finished; cancelled is false',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  cancel(
    @Param('deploymentId') deploymentId: string,
    @Param('taskId') taskId: string,
  ): Promise<CancelTaskResponseDto> {
    return this.tasks.cancel(deploymentId, taskId);
  }
}
