import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiDeploymentIdParam,
  ApiErrors,
  DEPLOYMENT_NOT_FOUND,
  INVALID_BODY,
  INVALID_PAGE,
  EXAMPLE_DEPLOYMENT_ID,
  invalidName,
} from '../common/api-docs';
import { PageQueryDto } from './dto/deployment.dto';
import {
  PutSubmissionsDto,
  PutSubmissionsResponseDto,
  SubmissionPageDto,
} from './dto/submission.dto';
import { SubmissionsService } from './submissions.service';
import { DeploymentIdPipe, NameParamPipe } from '../common/params';

@ApiTags('submissions')
@ApiDeploymentIdParam()
@Controller('api/page-deployments/:deploymentId/submissions')
export class SubmissionsController {
  constructor(private readonly submissions: SubmissionsService) {}

  @Put()
  @ApiOperation({
    summary: 'Add or replace students\u2019 answers, by name',
    operationId: 'putSubmissions',
  })
  @ApiOkResponse({ type: PutSubmissionsResponseDto })
  @ApiErrors({
    400: INVALID_BODY,
    404: DEPLOYMENT_NOT_FOUND,
    413: {
      description:
        'Too many students for the deployment (MAX_SUBMISSIONS_PER_DEPLOYMENT) or in one request, or too large a body',
      message: 'A deployment holds at most 100000 students; this request would make it 100024',
    },
  })
  put(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Body() dto: PutSubmissionsDto,
  ): Promise<PutSubmissionsResponseDto> {
    return this.submissions.put(id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List students\u2019 answers, by name', operationId: 'listSubmissions' })
  @ApiOkResponse({ type: SubmissionPageDto })
  @ApiErrors({ 400: INVALID_PAGE, 404: DEPLOYMENT_NOT_FOUND })
  list(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Query() q: PageQueryDto,
  ): Promise<SubmissionPageDto> {
    return this.submissions.page(id, q.page, q.page_size);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one student\u2019s answers', operationId: 'deleteSubmission' })
  @ApiParam({ name: 'name', description: "The student's name, as sent in submissions" })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors({
    400: invalidName('name'),
    404: {
      description: 'Unknown deployment, or no submission from this student',
      message: `No submission from ana@school.edu in deployment ${EXAMPLE_DEPLOYMENT_ID}`,
    },
  })
  remove(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Param('name', NameParamPipe) name: string,
  ): Promise<void> {
    return this.submissions.remove(id, name);
  }
}
