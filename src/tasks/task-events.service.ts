import { Inject, Injectable, MessageEvent, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Observable, Subscriber } from 'rxjs';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { TaskStatusDto } from './dto/task-status.dto';
import { TaskNotices } from './task-notices.service';
import { toTaskStatus } from './task-status.mapper';
import { TaskStore } from './task.store';

/** The HTTP response a stream is written to: only when it is over matters here. */
export interface StreamResponse {
  once(event: 'close', listener: () => void): unknown;
}

/** How long shutdown waits for the ended streams' responses to be flushed. */
const SHUTDOWN_FLUSH_MS = 2_000;

function isTerminal(status: TaskStatusDto): boolean {
  return status.state === 'SUCCESS' || status.state === 'FAILURE';
}

/**
 * A task's status as a live stream: the polling body now, again after each change, and last
 * the terminal one, after which the stream ends. Each event is read from the task record when
 * a notice arrives, so it is exactly what a poll at that moment would answer.
 */
@Injectable()
export class TaskEvents implements OnModuleDestroy {
  private readonly heartbeatMs: number;
  /** The streams this process serves, ended when it shuts down. */
  private readonly open = new Set<Subscriber<MessageEvent>>();
  /** Settle when each stream's response is over. */
  private readonly responses = new Set<Promise<void>>();

  constructor(
    private readonly store: TaskStore,
    private readonly notices: TaskNotices,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    this.heartbeatMs = appConfigOf(config).sseHeartbeatMs;
  }

  /**
   * Runs before the HTTP server closes, which waits for every open response: a stream of a task
   * that waits in its queue would otherwise hold the shutdown for as long as its client stays.
   * Clients see the stream end without a terminal event; they reconnect or poll elsewhere.
   * It waits for the responses to be over: a keep-alive connection that only goes idle after
   * the server started closing would hold it for the keep-alive timeout.
   */
  async onModuleDestroy(): Promise<void> {
    const over = Promise.all([...this.responses]);
    for (const subscriber of [...this.open]) subscriber.complete();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([over, new Promise((r) => (timer = setTimeout(r, SHUTDOWN_FLUSH_MS)))]);
    clearTimeout(timer);
  }

  /** The caller has checked that the task exists in this deployment (404 otherwise). */
  stream(
    deploymentId: string,
    taskId: string,
    response: StreamResponse | undefined,
  ): Observable<MessageEvent> {
    if (response !== undefined) {
      const over = new Promise<void>((resolve) => response.once('close', resolve));
      this.responses.add(over);
      void over.then(() => this.responses.delete(over));
    }
    return new Observable<MessageEvent>((subscriber) => {
      this.open.add(subscriber);
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
        this.open.delete(subscriber);
        closed = true;
        clearInterval(heartbeat);
        watch.stop();
      };
    });
  }
}
