import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiDeploymentIdParam,
  ApiErrors,
  BODY_TOO_LARGE,
  DEPLOYMENT_NOT_FOUND,
  INVALID_BODY,
  INVALID_PAGE,
} from '../common/api-docs';
import { CurrentPrincipal } from '../auth/access.decorators';
import { Principal } from '../auth/principal';
import { toDeploymentDto } from './deployment.mapper';
import { DeploymentsService } from './deployments.service';
import {
  CreateDeploymentDto,
  DeploymentDto,
  DeploymentPageDto,
  PageQueryDto,
  UpdateDeploymentDto,
} from './dto/deployment.dto';
import { DeploymentIdPipe } from '../common/params';

@ApiTags('deployments')
@Controller('api/page-deployments')
export class DeploymentsController {
  constructor(private readonly deployments: DeploymentsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a page deployment', operationId: 'createDeployment' })
  @ApiCreatedResponse({ type: DeploymentDto })
  @ApiErrors({ 400: INVALID_BODY, 413: BODY_TOO_LARGE })
  async create(
    @Body() dto: CreateDeploymentDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeploymentDto> {
    return toDeploymentDto(await this.deployments.create(dto, caller));
  }

  @Get()
  @ApiOperation({
    summary: 'List the deployments you may see (admins: all), oldest first',
    operationId: 'listDeployments',
  })
  @ApiOkResponse({ type: DeploymentPageDto })
  @ApiErrors({ 400: INVALID_PAGE })
  list(
    @Query() q: PageQueryDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeploymentPageDto> {
    return this.deployments.page(caller, q.page, q.page_size);
  }

  @Get(':deploymentId')
  @ApiOperation({ summary: 'Get a deployment', operationId: 'getDeployment' })
  @ApiDeploymentIdParam()
  @ApiOkResponse({ type: DeploymentDto })
  @ApiErrors({ 404: DEPLOYMENT_NOT_FOUND })
  async get(@Param('deploymentId', DeploymentIdPipe) id: string): Promise<DeploymentDto> {
    return toDeploymentDto(await this.deployments.get(id));
  }

  @Patch(':deploymentId')
  @ApiOperation({
    summary: 'Change the title, replace the behaviors, or share it (owners)',
    operationId: 'updateDeployment',
  })
  @ApiDeploymentIdParam()
  @ApiOkResponse({ type: DeploymentDto })
  @ApiErrors({ 400: INVALID_BODY, 404: DEPLOYMENT_NOT_FOUND, 413: BODY_TOO_LARGE })
  async update(
    @Param('deploymentId', DeploymentIdPipe) id: string,
    @Body() dto: UpdateDeploymentDto,
  ): Promise<DeploymentDto> {
    return toDeploymentDto(await this.deployments.update(id, dto));
  }

  @Delete(':deploymentId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a deployment, cancelling its queued and running tasks',
    operationId: 'deleteDeployment',
  })
  @ApiDeploymentIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 404: DEPLOYMENT_NOT_FOUND })
  remove(@Param('deploymentId', DeploymentIdPipe) id: string): Promise<void> {
    return this.deployments.remove(id);
  }
}
