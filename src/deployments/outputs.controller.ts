import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { ErrorResponseDto } from '../common/error-response.dto';
import {
  HistoryDto,
  HistoryQueryDto,
  StudentGroupDto,
  VariableDto,
  VariablesDto,
} from './dto/outputs.dto';
import { OutputsService } from './outputs.service';
import { DeploymentIdPipe, NameParamPipe } from '../common/params';

/** What finished runs leave for later pages: variables, a student's group, the run history. */
@ApiTags('outputs')
@Controller('api/page-deployments/:deploymentId')
export class OutputsController {
  constructor(private readonly outputs: OutputsService) {}

  @Get('variables')
  @ApiOperation({
    summary: 'Outputs saved by successful runs (group_{n}, theme_{n})',
    operationId: 'listVariables',
  })
  @ApiOkResponse({ type: VariablesDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  variables(@Param('deploymentId', DeploymentIdPipe) id: string): Promise<VariablesDto> {
    return this.outputs.variables(id);
  }

  @Get('variables/:name')
  @ApiOperation({ summary: 'One saved output', operationId: 'getVariable' })
  @ApiOkResponse({ type: VariableDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  variable(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Param('name', NameParamPipe) name: string,
  ): Promise<VariableDto> {
    return this.outputs.variable(id, name);
  }

  @Get('groups/:studentName')
  @Roles('admin', 'instructor', 'student')
  @ApiOperation({
    summary: "A student's group and its other members, from the latest group assignment",
    description: "A student's token may read only its own group (studentName = its name claim).",
    operationId: 'getStudentGroup',
  })
  @ApiOkResponse({ type: StudentGroupDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  groupOf(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Param('studentName', NameParamPipe) student: string,
  ): Promise<StudentGroupDto> {
    return this.outputs.groupOf(id, student);
  }

  @Get('behaviors/history')
  @ApiOperation({
    summary:
      'Every run of every behavior, successful, failed, timed out or cancelled; newest first',
    operationId: 'listExecutionHistory',
  })
  @ApiOkResponse({ type: HistoryDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  history(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Query() q: HistoryQueryDto,
  ): Promise<HistoryDto> {
    return this.outputs.history(id, q.limit);
  }
}
