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
    @Param('deploymentId') id: string,
    @Body() dto: PutSubmissionsDto,
  ): Promise<PutSubmissionsResponseDto> {
    return this.submissions.put(id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List students\u2019 answers, by name', operationId: 'listSubmissions' })
  @ApiOkResponse({ type: SubmissionPageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  list(@Param('deploymentId') id: string, @Query() q: PageQueryDto): Promise<SubmissionPageDto> {
    return this.submissions.page(id, q.page, q.page_size);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one student\u2019s answers', operationId: 'deleteSubmission' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  remove(@Param('deploymentId') id: string, @Param('name') name: string): Promise<void> {
    return this.submissions.remove(id, name);
  }
}
