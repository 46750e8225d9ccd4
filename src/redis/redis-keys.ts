/** Every Redis key the service writes, in one place, under one configurable prefix. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  deployment(id: string): string {
    return `${this.prefix}:dep:${id}`;
  }
  deploymentIndex(): string {
    return `${this.prefix}:deps`;
  }
  /** The deployments a subject owns, by creation time (so listing them is not a scan). */
  ownerIndex(sub: string): string {
    return `${this.prefix}:owner:${encodeURIComponent(sub)}:deps`;
  }
  /**
   * One rate-limit window (`ip:` and the address, or `subject:` and the tracked subject). The subject
   * comes from a token's `sub`: encoded, like the owner index, so it stays one key segment.
   */
  rateLimit(key: string): string {
    return `${this.prefix}:rl:${encodeURIComponent(key)}`;
  }
  submissions(deploymentId: string): string {
    return `${this.prefix}:dep:${deploymentId}:subs`;
  }
  deploymentTasks(deploymentId: string): string {
    return `${this.prefix}:dep:${deploymentId}:tasks`;
  }
  behaviorLock(deploymentId: string, behaviorNumber: string): string {
    return `${this.prefix}:dep:${deploymentId}:lock:${behaviorNumber}`;
  }
  variables(deploymentId: string): string {
    return `${this.prefix}:dep:${deploymentId}:vars`;
  }
  history(deploymentId: string): string {
    return `${this.prefix}:dep:${deploymentId}:history`;
  }
  /** Task hashes are addressed by this prefix + id inside Lua too. */
  taskPrefix(): string {
    return `${this.prefix}:task:`;
  }
  task(taskId: string): string {
    return `${this.taskPrefix()}${taskId}`;
  }
  /**
   * Pub/sub channel announcing each change of a task's state or progress (nothing is stored).
   * The task scripts build it from the task hash key (`KEYS[1] .. ':events'`): keep them alike.
   */
  taskEvents(taskId: string): string {
    return `${this.task(taskId)}:events`;
  }
  /** Sorted set: running task ids by lease expiry (ms), for finding runs whose process died. */
  leases(): string {
    return `${this.prefix}:leases`;
  }
  cancelChannel(): string {
    return `${this.prefix}:cancel`;
  }
  embeddingCache(provider: string): string {
    return `${this.prefix}:emb:${provider}`;
  }
  /** Sorted set: the ids of processes serving queues, by when their heartbeat record expires. */
  workers(): string {
    return `${this.prefix}:workers`;
  }
  /** One serving process's heartbeat record (JSON, with a TTL); the id is made by the process. */
  worker(id: string): string {
    return `${this.prefix}:worker:${encodeURIComponent(id)}`;
  }
  /** A queue dashboard session, by the SHA-256 of its cookie (the cookie itself is not stored). */
  dashboardSession(hash: string): string {
    return `${this.prefix}:dash:${hash}`;
  }
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}
