import { Submission } from '../engine/types';

/** One behavior of a deployment: a type from the catalog and its config, defaults filled in. */
export interface DeploymentBehavior {
  type: string;
  config: unknown;
}

export interface Deployment {
  id: string;
  title: string;
  behaviors: Record<string, DeploymentBehavior>;
  /**
   * Subs of the instructors who may see and manage it: the creator and those it is shared with.
   * Empty for deployments created while access control was off (admins only).
   */
  owners: string[];
  created_at: string;
  updated_at: string;
}

export interface StoredSubmission extends Submission {
  updated_at: string;
}
