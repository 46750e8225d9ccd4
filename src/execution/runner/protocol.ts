import { SerializedFailure } from '../../engine/errors';
import { ProgressUpdate, Submission } from '../../engine/types';
import { EncodedResult } from './encoded-result';

/**
 * Students as they travel to a thread: objects, or, for a class read from storage, the UTF-8
 * text of a JSON array of them, whose buffer is transferred (not copied) and parsed in the thread.
 */
export type StudentsPart = Submission[] | Uint8Array;

/**
 * Messages between the runner and its threads. Stop requests do not travel as messages: a
 * busy thread would not read them. They are written to shared memory (see STOP_*), which the
 * behavior's checkpoint reads synchronously.
 */
export interface RunMessage {
  kind: 'run';
  runId: number;
  /** A type in the catalog of the thread (shipped, or loaded from behaviorModules). */
  type: string;
  config: unknown;
  /** The first part of the class: all of it when it fits in one part (see StudentsMessage). */
  students: StudentsPart;
  /** Parts the class comes in: this message's, then `parts - 1` StudentsMessages, in order. */
  parts: number;
  /** Int32Array(1) over shared memory: 0 while running, else a STOP_* code. */
  stopFlag: SharedArrayBuffer;
}

/**
 * A further part of a run's class. A large class is not sent in one message: cloning it (tens
 * of MB) blocks the sender's event loop, where a cancel has to be noticed, and the thread, which
 * cannot check its stop flag while it deserializes. Parts keep each clone short on both sides.
 */
export interface StudentsMessage {
  kind: 'students';
  runId: number;
  part: StudentsPart;
}

/** Messages from the runner to a thread. */
export type RunnerMessage = RunMessage | StudentsMessage;

export const STOP_NONE = 0;
export const STOP_CANCEL = 1;
export const STOP_SOFT_TIMEOUT = 2;
/** Stop at the next checkpoint, but a behavior that has already finished keeps its result. */
export const STOP_INTERRUPT = 3;

export type ThreadMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; runId: number; update: ProgressUpdate }
  | { kind: 'done'; runId: number; result: EncodedResult }
  | { kind: 'failed'; runId: number; failure: SerializedFailure; aborted: boolean }
  /** Embedding cache lookups since the last such message (counted in the thread, summed here). */
  | { kind: 'cache'; hits: number; misses: number };

export interface EndpointSettings {
  baseUrl: string;
  model: string;
  apiKey: string;
}

/** Settings every thread gets at start (workerData). Omitted ones mean: lexical, no LLM, no cache. */
export interface ThreadSettings {
  /** Modules that register extra behavior types (BEHAVIOR_MODULES), loaded by each thread. */
  behaviorModules?: readonly string[];
  /** Where the vector cache lives. */
  redisUrl?: string;
  /** Vectors kept per provider in the cache (oldest dropped first); 0 keeps none. */
  cacheMaxKeys?: number;
  /** PEM of the CA for a rediss:// redisUrl (REDIS_TLS_CA). */
  redisTlsCa?: string | null;
  keyPrefix?: string;
  embeddingProvider?: 'model' | 'openai' | 'lexical';
  embeddingEndpoint?: EndpointSettings | null;
  llm?: (EndpointSettings & { timeoutMs: number; parallelism: number }) | null;
}
