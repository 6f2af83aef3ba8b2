import { packMask, unpackMask } from '../../shared/masks';
import { appendAudit } from './audit';
import { deflateArray, inflateBytes, inflateFloat32 } from './codec';
import type { Db } from './database';
import type { SliceResult } from '../domain';

/** What makes two runs interchangeable: same study, model (by content), sampler and settings. */
export interface RunSettings {
  studyId: number;
  modelId: string;
  modelSha256: string;
  sampler: string;
  seed: number;
  samples: number;
  steps: number;
  /** What was sampled: '' (the default) for every slice as a whole image, else the regions of interest's geometry (JSON). */
  regions?: string;
}

export interface RunRecord extends RunSettings {
  id: number;
  provider: string;
  state: 'running' | 'complete' | 'cancelled' | 'failed';
  timings: Record<string, number>;
  error: string | null;
  /** Run-level warnings (resampling, spacing outside the model's range, none known), kept for a run served again. */
  warnings: string[];
  startedAt: string;
  finishedAt: string | null;
}

export type { SliceResult } from '../domain';

const runColumns = `id, study_id AS studyId, model_id AS modelId, model_sha256 AS modelSha256, provider, sampler, seed, samples, steps,
  regions, state, timings, error, warnings, started_at AS startedAt, finished_at AS finishedAt`;

type RunRow = Omit<RunRecord, 'timings' | 'warnings'> & { timings: string; warnings: string };

function toRun(r: RunRow): RunRecord {
  return { ...r, timings: JSON.parse(r.timings), warnings: JSON.parse(r.warnings) };
}

/** `workerPid`: the process sampling it (failInterruptedRuns must not fail a run another live process samples). */
export function createRun(db: Db, s: RunSettings, provider: string, actor: string, warnings: string[] = [], workerPid: number = process.pid): number {
  return db.transaction(() => {
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO model_runs (study_id, model_id, model_sha256, provider, sampler, seed, samples, steps, regions, warnings, state, worker_pid, started_at)
         VALUES (@studyId, @modelId, @modelSha256, @provider, @sampler, @seed, @samples, @steps, @regions, @warnings, 'running', @workerPid, @at)`,
      )
      .run({ ...s, regions: s.regions ?? '', provider, warnings: JSON.stringify(warnings), workerPid, at: new Date().toISOString() });
    const id = Number(lastInsertRowid);
    appendAudit(db, { actor, action: 'run.start', studyId: s.studyId, detail: `run ${id}: ${s.modelId} ${s.sampler} N=${s.samples} K=${s.steps} seed=${s.seed} on ${provider}` });
    return id;
  }).immediate();
}

export function finishRun(db: Db, runId: number, state: 'complete' | 'cancelled' | 'failed', timings: Record<string, number>, error: string | null, actor: string): void {
  db.transaction(() => {
    db.prepare('UPDATE model_runs SET state = ?, timings = ?, error = ?, finished_at = ? WHERE id = ?').run(state, JSON.stringify(timings), error, new Date().toISOString(), runId);
    const run = getRun(db, runId);
    appendAudit(db, { actor, action: `run.${state}`, studyId: run?.studyId ?? null, detail: `run ${runId}${error ? `: ${error}` : ''}` });
  }).immediate();
}

/** Runs still marked 'running', with the process that samples (or sampled) each; null for one from before it was kept. */
export function runningRuns(db: Db): { id: number; workerPid: number | null }[] {
  return db.prepare("SELECT id, worker_pid AS workerPid FROM model_runs WHERE state = 'running'").all() as { id: number; workerPid: number | null }[];
}

export function getRun(db: Db, runId: number): RunRecord | undefined {
  const r = db.prepare(`SELECT ${runColumns} FROM model_runs WHERE id = ?`).get(runId) as RunRow | undefined;
  return r && toRun(r);
}

/** The newest complete run with exactly these settings: a re-run is served from it. */
export function findCompleteRun(db: Db, s: RunSettings): RunRecord | undefined {
  const r = db
    .prepare(
      `SELECT ${runColumns} FROM model_runs WHERE state = 'complete' AND study_id = @studyId AND model_id = @modelId AND model_sha256 = @modelSha256
       AND sampler = @sampler AND seed = @seed AND samples = @samples AND steps = @steps AND regions = @regions ORDER BY id DESC LIMIT 1`,
    )
    .get({ ...s, regions: s.regions ?? '' }) as RunRow | undefined;
  return r && toRun(r);
}

/** The run whose results a study shows: its newest complete run, else its newest run still in progress. */
export function currentRun(db: Db, studyId: number): RunRecord | undefined {
  const r = db
    .prepare(`SELECT ${runColumns} FROM model_runs WHERE study_id = ? AND state IN ('complete', 'running') ORDER BY state = 'complete' DESC, id DESC LIMIT 1`)
    .get(studyId) as RunRow | undefined;
  return r && toRun(r);
}

export function saveSliceResult(db: Db, runId: number, r: SliceResult): void {
  const packed = r.samples.map(packMask);
  const all = new Uint8Array(packed.reduce((n, p) => n + p.length, 0));
  packed.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  db.prepare(
    `INSERT OR REPLACE INTO slice_results (run_id, slice_index, width, height, total_uncertainty, lesion_uncertainty, score, mean_area,
      samples, sample_count, mean, uncertainty, entropy, warnings, elapsed_ms, roi_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    runId,
    r.sliceIndex,
    r.width,
    r.height,
    r.totalUncertainty,
    r.lesionUncertainty,
    r.score,
    r.meanArea,
    deflateArray(all),
    r.samples.length,
    deflateArray(r.mean),
    deflateArray(r.uncertainty),
    deflateArray(r.entropy),
    JSON.stringify(r.warnings),
    r.elapsedMs,
    r.roiId ?? null,
  );
}

interface ResultRow {
  slice_index: number;
  width: number;
  height: number;
  total_uncertainty: number;
  lesion_uncertainty: number;
  score: number;
  mean_area: number;
  samples: Buffer;
  sample_count: number;
  mean: Buffer;
  uncertainty: Buffer;
  entropy: Buffer;
  warnings: string;
  elapsed_ms: number;
  roi_id: number | null;
}

export function getSliceResult(db: Db, runId: number, sliceIndex: number): SliceResult | undefined {
  const row = db.prepare('SELECT * FROM slice_results WHERE run_id = ? AND slice_index = ?').get(runId, sliceIndex) as ResultRow | undefined;
  if (!row) return undefined;
  const n = row.width * row.height;
  const bytesPer = Math.ceil(n / 8);
  const all = inflateBytes(row.samples);
  return {
    sliceIndex: row.slice_index,
    width: row.width,
    height: row.height,
    samples: Array.from({ length: row.sample_count }, (_, i) => unpackMask(all.subarray(i * bytesPer, (i + 1) * bytesPer), n)),
    mean: inflateFloat32(row.mean),
    uncertainty: inflateFloat32(row.uncertainty),
    entropy: inflateFloat32(row.entropy),
    totalUncertainty: row.total_uncertainty,
    lesionUncertainty: row.lesion_uncertainty,
    score: row.score,
    meanArea: row.mean_area,
    warnings: JSON.parse(row.warnings),
    elapsedMs: row.elapsed_ms,
    roiId: row.roi_id,
  };
}

export interface ScoreRow {
  runId: number;
  studyId: number;
  sliceIndex: number;
  score: number;
  totalUncertainty: number;
  lesionUncertainty: number;
  meanArea: number;
  roiId: number | null;
}

/** Scores of every slice of the given runs, without the maps. */
export function sliceScores(db: Db, runIds: number[]): ScoreRow[] {
  if (runIds.length === 0) return [];
  return db
    .prepare(
      `SELECT r.run_id AS runId, m.study_id AS studyId, r.slice_index AS sliceIndex, r.score, r.total_uncertainty AS totalUncertainty,
        r.lesion_uncertainty AS lesionUncertainty, r.mean_area AS meanArea, r.roi_id AS roiId
       FROM slice_results r JOIN model_runs m ON m.id = r.run_id WHERE r.run_id IN (${runIds.map(() => '?').join(',')})`,
    )
    .all(...runIds) as ScoreRow[];
}

