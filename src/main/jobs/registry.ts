import { randomUUID } from 'node:crypto';
import type { Job } from '../../shared/api';
import { ApiError } from '../../shared/errors';

export interface JobControl {
  readonly signal: AbortSignal;
  progress(p: { done?: number; total?: number; step?: number; steps?: number; message?: string }): void;
  warn(message: string): void;
}

export type JobListener = (job: Job) => void;

export interface JobOptions {
  /**
   * Jobs of one lane run one at a time, in the order they were started; one waiting for its turn is 'queued' with
   * `waiting` as its message (cancelling it then ends it at once).
   */
  lane?: { name: string; waiting: string };
}

interface Entry {
  job: Job;
  abort: AbortController;
  /** When the job began running (not when it was queued): the ETA counts from here. */
  startMs: number;
}

/**
 * Long work (triage, large imports) runs as a job: callers get its id at once, then poll or listen for progress,
 * and may cancel it. The work itself must honour `signal` between its units.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, Entry>();
  private readonly listeners = new Set<JobListener>();
  private readonly lanes = new Map<string, { tail: Promise<void>; unfinished: number }>();

  start(kind: string, studyId: number | null, total: number, work: (control: JobControl) => Promise<string | void>, options: JobOptions = {}): Job {
    const abort = new AbortController();
    const lane = options.lane && (this.lanes.get(options.lane.name) ?? this.lanes.set(options.lane.name, { tail: Promise.resolve(), unfinished: 0 }).get(options.lane.name)!);
    const queued = lane !== undefined && lane.unfinished > 0;
    const job: Job = {
      id: randomUUID(),
      kind,
      state: queued ? 'queued' : 'running',
      studyId,
      done: 0,
      total,
      step: 0,
      steps: 0,
      message: queued ? options.lane!.waiting : 'starting',
      warnings: [],
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      etaSeconds: null,
    };
    const entry: Entry = { job, abort, startMs: Date.now() };
    this.jobs.set(job.id, entry);
    const control: JobControl = {
      signal: abort.signal,
      progress: (p) => {
        Object.assign(job, Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
        job.etaSeconds = this.eta(entry);
        this.emit(job);
      },
      warn: (message) => {
        if (!job.warnings.includes(message)) job.warnings.push(message);
        this.emit(job);
      },
    };
    const execute = (): Promise<void> =>
      work(control).then(
        (message) => this.finish(job, abort.signal.aborted ? 'cancelled' : 'done', null, message || (abort.signal.aborted ? 'cancelled' : 'done')),
        (e: unknown) => {
          const cancelled = abort.signal.aborted || (e instanceof ApiError && e.code === 'cancelled');
          this.finish(job, cancelled ? 'cancelled' : 'failed', cancelled ? null : e instanceof Error ? e.message : String(e), cancelled ? 'cancelled' : 'failed');
        },
      );
    if (!lane) queueMicrotask(() => void execute());
    else {
      lane.unfinished++;
      lane.tail = lane.tail
        .then(() => {
          if (job.state !== 'queued' && job.state !== 'running') return; // cancelled while it waited
          if (job.state === 'queued') Object.assign(job, { state: 'running', message: 'starting' });
          entry.startMs = Date.now();
          this.emit(job);
          return execute();
        })
        .finally(() => lane.unfinished--);
    }
    this.emit(job);
    return { ...job };
  }

  get(id: string): Job {
    const entry = this.jobs.get(id);
    if (!entry) throw new ApiError('not_found', `job ${id} does not exist`);
    return { ...entry.job, warnings: [...entry.job.warnings] };
  }

  list(): Job[] {
    return [...this.jobs.values()].map((e) => ({ ...e.job }));
  }

  cancel(id: string): Job {
    const entry = this.jobs.get(id);
    if (!entry) throw new ApiError('not_found', `job ${id} does not exist`);
    if (entry.job.state === 'queued') {
      entry.abort.abort();
      this.finish(entry.job, 'cancelled', null, 'cancelled before it started');
    } else if (entry.job.state === 'running') {
      entry.abort.abort();
      entry.job.message = 'cancelling';
      this.emit(entry.job);
    }
    return this.get(id);
  }

  /** Resolves when the job has finished, whatever the outcome. */
  async settled(id: string, pollMs = 50): Promise<Job> {
    for (;;) {
      const job = this.get(id);
      if (job.state !== 'running' && job.state !== 'queued') return job;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  subscribe(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cancelAll(): void {
    for (const { job } of this.jobs.values()) if (job.state === 'running' || job.state === 'queued') this.cancel(job.id);
  }

  /** Cancels every running job and waits (at most `timeoutMs`) until each has stopped writing. */
  async cancelAllAndSettle(timeoutMs: number): Promise<void> {
    const running = [...this.jobs.values()].filter(({ job }) => job.state === 'running' || job.state === 'queued').map(({ job }) => job.id);
    this.cancelAll();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(running.map((id) => this.settled(id))), deadline]);
    clearTimeout(timer);
  }

  private finish(job: Job, state: Job['state'], error: string | null, message: string): void {
    job.state = state;
    job.error = error;
    job.message = message;
    job.finishedAt = new Date().toISOString();
    job.etaSeconds = 0;
    this.emit(job);
  }

  private eta(entry: Entry): number | null {
    const { done, total, step, steps } = entry.job;
    const progress = done + (steps > 0 ? step / steps : 0);
    if (progress <= 0 || total <= 0) return null;
    const elapsed = (Date.now() - entry.startMs) / 1000;
    return Math.max(0, (elapsed / progress) * (total - progress));
  }

  private emit(job: Job): void {
    for (const l of this.listeners) l({ ...job });
  }
}
