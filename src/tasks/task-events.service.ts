import { Inject, Injectable, MessageEvent } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Observable } from 'rxjs';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { TaskStatusDto } from './dto/task-status.dto';
import { TaskNotices } from './task-notices.service';
import { toTaskStatus } from './task-status.mapper';
import { TaskStore } from './task.store';

function isTerminal(status: TaskStatusDto): boolean {
  return status.state === 'SUCCESS' || status.state === 'FAILURE';
}

/**
 * A task's status as a live stream: the polling body now, again after each change, and last
 * the terminal one, after which the stream ends. Each event is read from the task record when
 * a notice arrives, so it is exactly what a poll at that moment would answer.
 */
@Injectable()
export class TaskEvents {
  private readonly heartbeatMs: number;

  constructor(
    private readonly store: TaskStore,
    private readonly notices: TaskNotices,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    this.heartbeatMs = appConfigOf(config).sseHeartbeatMs;
  }

  /** The caller has checked that the task exists in this deployment (404 otherwise). */
  stream(deploymentId: string, taskId: string): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      let last = '';
      let closed = false;
      let reading = false;
      let readAgain = false;

      const read = async (): Promise<void> => {
        const record = await this.store.get(taskId).catch(() => undefined);
        // A failed read (Redis away) is retried at the next notice or heartbeat.
        if (closed || record === undefined) return;
        // Expired or deleted with its deployment: there is nothing more to tell.
        if (record === null || record.deployment_id !== deploymentId) {
          subscriber.complete();
          return;
        }
        const status = toTaskStatus(record);
        const body = JSON.stringify(status);
        if (body !== last) {
          last = body;
          subscriber.next({ data: status });
        }
        if (isTerminal(status)) subscriber.complete();
      };
      // Notices can come faster than reads: one read at a time, and one more after it if
      // anything arrived meanwhile, so events never go out of order.
      const refresh = (): void => {
        if (closed) return;
        if (reading) {
          readAgain = true;
          return;
        }
        reading = true;
        void read().finally(() => {
          reading = false;
          if (readAgain) {
            readAgain = false;
            refresh();
          }
        });
      };

      const watch = this.notices.watch(taskId, refresh);
      // Subscribed first, read second: a change between the two cannot be missed.
      void watch.ready.then(refresh);
      // The comment keeps proxies from closing a quiet connection; the re-read catches what no
      // notice announces (a lease that lapsed because its worker died) and notices lost while
      // the subscriber was reconnecting.
      const heartbeat = setInterval(() => {
        subscriber.next({ comment: 'heartbeat' });
        refresh();
      }, this.heartbeatMs);
      return () => {
        closed = true;
        clearInterval(heartbeat);
        watch.stop();
      };
    });
  }
}
