import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors';
import { DeploymentsService } from './deployments.service';
import { HistoryDto, StudentGroupDto, VariableDto, VariablesDto } from './dto/outputs.dto';
import { OutputsRepository } from './outputs.repository';
import { StoredVariable } from '../tasks/task.types';

/** The value's shape is fixed by its name prefix (see outputVariable in the execution service). */
function toVariableDto(v: StoredVariable): VariableDto {
  return {
    name: v.name,
    value: v.value as VariableDto['value'],
    task_id: v.task_id,
    updated_at: v.updated_at,
  };
}

@Injectable()
export class OutputsService {
  constructor(
    private readonly outputs: OutputsRepository,
    private readonly deployments: DeploymentsService,
  ) {}

  async variables(deploymentId: string): Promise<VariablesDto> {
    await this.deployments.get(deploymentId);
    return {
      deployment_id: deploymentId,
      variables: (await this.outputs.variables(deploymentId)).map(toVariableDto),
    };
  }

  async variable(deploymentId: string, name: string): Promise<VariableDto> {
    await this.deployments.get(deploymentId);
    const v = await this.outputs.variable(deploymentId, name);
    if (v === null) {
      throw new NotFoundError(
        `Variable ${name} not found in deployment ${deploymentId}; it appears after the behavior's first successful run`,
      );
    }
    return toVariableDto(v);
  }

  /** Which group a student is in, from the most recent successful group assignment. */
  async groupOf(deploymentId: string, studentName: string): Promise<StudentGroupDto> {
    await this.deployments.get(deploymentId);
    const groupings = (await this.outputs.variables(deploymentId))
      .filter((v) => v.name.startsWith('group_'))
      .sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
    if (groupings.length === 0) {
      throw new NotFoundError(`Deployment ${deploymentId} has no group assignment yet`);
    }
    const latest = groupings[0];
    const groups = latest.value as Record<string, string[]>;
    for (const [group, members] of Object.entries(groups)) {
      if (members.includes(studentName)) {
        return {
          student_name: studentName,
          group_name: group,
          members: members.filter((m) => m !== studentName),
          variable: latest.name,
          behavior_number: latest.name.slice('group_'.length),
          task_id: latest.task_id,
          assigned_at: latest.updated_at,
        };
      }
    }
    throw new NotFoundError(
      `${studentName} is in no group of the latest group assignment (${latest.name})`,
    );
  }

  async history(deploymentId: string, limit: number): Promise<HistoryDto> {
    await this.deployments.get(deploymentId);
    return {
      deployment_id: deploymentId,
      executions: await this.outputs.history(deploymentId, limit),
    };
  }
}
