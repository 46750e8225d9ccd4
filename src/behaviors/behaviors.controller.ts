import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ApiDeploymentIdParam, ApiErrors, DEPLOYMENT_NOT_FOUND } from '../common/api-docs';
import { BehaviorsService, TriggerResponse } from './behaviors.service';
import { BehaviorListDto, TriggerBehaviorDto } from './dto/trigger-behavior.dto';
import { TriggerDocs } from './trigger-docs.decorator';
import { DeploymentIdPipe } from '../common/params';

@ApiTags('behaviors')
@ApiDeploymentIdParam()
@Controller('api/page-deployments/:deploymentId/behaviors')
export class BehaviorsController {
  constructor(private readonly behaviors: BehaviorsService) {}

  @Get()
  @ApiOperation({ summary: "List the deployment's behaviors", operationId: 'listBehaviors' })
  @ApiOkResponse({ type: BehaviorListDto })
  @ApiErrors({ 404: DEPLOYMENT_NOT_FOUND })
  list(@Param('deploymentId', DeploymentIdPipe) deploymentId: string): Promise<BehaviorListDto> {
    return this.behaviors.list(deploymentId);
  }

  /** 202 for a queued run, 200 for a finished synchronous one. */
  @Post('trigger')
  @HttpCode(202)
  @TriggerDocs()
  async trigger(
    @Param('deploymentId', DeploymentIdPipe) deploymentId: string,
    @Body() dto: TriggerBehaviorDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TriggerResponse['body']> {
    const outcome = await this.behaviors.trigger(deploymentId, dto);
    void res.status(outcome.mode === 'async' ? 202 : 200);
    return outcome.body;
  }
}
