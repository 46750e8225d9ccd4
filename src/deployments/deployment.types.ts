import { BehaviorDefinition } from '../behaviors/behavior-config.validation';
import { Submission } from '../behaviors/engine/types';

export interface Deployment {
  id: string;
  title: string;
  behaviors: Record<string, BehaviorDefinition>;
  created_at: string;
  updated_at: string;
}

export interface StoredSubmission extends Submission {
  updated_at: string;
}
