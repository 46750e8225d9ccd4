import { Deployment } from './deployment.types';
import { DeploymentDto } from './dto/deployment.dto';

export function toDeploymentDto(d: Deployment): DeploymentDto {
  const behaviors: DeploymentDto['behaviors'] = {};
  for (const [number, b] of Object.entries(d.behaviors))
    behaviors[number] = {
      type: b.type,
      config: { ...(b.config as object) },
    };
  return {
    id: d.id,
    title: d.title,
    behaviors,
    owners: [...d.owners],
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}
