import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';
import { PageQueryDto } from './dto/deployment.dto';
import {
  PutSubmissionsDto,
  PutSubmissionsResponseDto,
  SubmissionPageDto,
} from './dto/submission.dto';
import { SubmissionsService } from './submissions.service';
import { DeploymentIdPipe, NameParamPipe } from '../common/params';

@ApiTags('submissions')
@Controller('api/page-deployments/:deploymentId/submissions')
export class SubmissionsController {
  constructor(private readonly submissions: SubmissionsService) {}

  @Put()
  @ApiOperation({
    summary: 'Add or replace students\u2019 answers, by name',
    operationId: 'putSubmissions',
  })
  @ApiOkResponse({ type: PutSubmissionsResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  put(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Body() dto: PutSubmissionsDto,
  ): Promise<PutSubmissionsResponseDto> {
    return this.submissions.put(id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List students\u2019 answers, by name', operationId: 'listSubmissions' })
  @ApiOkResponse({ type: SubmissionPageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  list(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Query() q: PageQueryDto,
  ): Promise<SubmissionPageDto> {
    return this.submissions.page(id, q.page, q.page_size);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one student\u2019s answers', operationId: 'deleteSubmission' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  remove(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Param('name', NameParamPipe) name: string,
  ): Promise<void> {
    return this.submissions.remove(id, name);
  }
}
