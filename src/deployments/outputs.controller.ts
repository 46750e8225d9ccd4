import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import {
  ApiDeploymentIdParam,
  ApiErrors,
  DEPLOYMENT_NOT_FOUND,
  EXAMPLE_DEPLOYMENT_ID,
  invalidName,
} from '../common/api-docs';
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
@ApiDeploymentIdParam()
@Controller('api/page-deployments/:deploymentId')
export class OutputsController {
  constructor(private readonly outputs: OutputsService) {}

  @Get('variables')
  @ApiOperation({
    summary: 'Outputs saved by successful runs (group_{n}, theme_{n})',
    operationId: 'listVariables',
  })
  @ApiOkResponse({ type: VariablesDto })
  @ApiErrors({ 404: DEPLOYMENT_NOT_FOUND })
  variables(@Param('deploymentId', DeploymentIdPipe) id: string): Promise<VariablesDto> {
    return this.outputs.variables(id);
  }

  @Get('variables/:name')
  @ApiOperation({ summary: 'One saved output', operationId: 'getVariable' })
  @ApiParam({
    name: 'name',
    description: 'The variable: group_{n} or theme_{n}',
    example: 'group_1',
  })
  @ApiOkResponse({ type: VariableDto })
  @ApiErrors({
    400: invalidName('name'),
    404: {
      description: 'Unknown deployment, or no successful run has written this variable yet',
      message: `Variable group_1 not found in deployment ${EXAMPLE_DEPLOYMENT_ID}; it appears after the behavior's first successful run`,
    },
  })
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
  @ApiParam({
    name: 'studentName',
    description: "The student's name, as sent in submissions",
    example: 'ana@school.edu',
  })
  @ApiOkResponse({ type: StudentGroupDto })
  @ApiErrors({
    400: invalidName('studentName'),
    404: {
      description:
        'Unknown deployment, no group assignment yet, or the student is in none of its groups',
      message: `Deployment ${EXAMPLE_DEPLOYMENT_ID} has no group assignment yet`,
    },
  })
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
  @ApiErrors({
    400: {
      description: 'limit is not an integer from 1 to 1000',
      message: 'limit must not be greater than 1000',
      extras: { fields: ['limit'] },
    },
    404: DEPLOYMENT_NOT_FOUND,
  })
  history(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Query() q: HistoryQueryDto,
  ): Promise<HistoryDto> {
    return this.outputs.history(id, q.limit);
  }
}
