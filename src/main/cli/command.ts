import type { ParseArgsConfig } from 'node:util';
import type { App } from '../app';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliContext {
  /** Parsed options of this command (the common --data-dir and --json included). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  json: boolean;
  /** Opens the app on --data-dir (or the default data directory) once, on first use. */
  app(): App;
  out(line: string): void;
  err(line: string): void;
}

export interface Command {
  name: string;
  summary: string;
  /** e.g. "caldiff import PATH... [--json]" */
  usage: string;
  options: OptionSpec;
  /** Returns the exit code; throws (ApiError) for a one-line failure message. */
  run(ctx: CliContext): Promise<number>;
}

/** Reads an integer option, with a clear message when it is not one. */
export function intOption(ctx: CliContext, name: string, fallback: number | null): number | null {
  const raw = ctx.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n)) throw new Error(`--${name} must be a whole number, got "${String(raw)}"`);
  return n;
}

/** Reads a comma-separated list of positive whole numbers, e.g. `--quality-steps 10,25,50`. */
export function intListOption(ctx: CliContext, name: string, fallback: number[]): number[] {
  const raw = ctx.values[name];
  if (raw === undefined) return fallback;
  const values = String(raw).split(',').map((x) => Number(x.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--${name} takes a comma-separated list of positive whole numbers, got "${String(raw)}"`);
  return values;
}
