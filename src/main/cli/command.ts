import type { ParseArgsConfig } from 'node:util';
import type { App } from '../app';

/**
 * One option of a command, declared once: node's parseArgs reads its type and default from here, and the help
 * text and usage line are generated from the same entry, so they cannot drift from what is parsed.
 */
export interface OptionDecl {
  type: 'string' | 'boolean';
  /** What a string option's value is, in the help: 'N', 'DIR', 'ddim|ddpm'. */
  value?: string;
  help: string;
  /** Applied when the option is absent, and shown in the help. Defaults that depend on a model card are in `help`. */
  default?: string;
  short?: string;
}

export type OptionDecls = Record<string, OptionDecl>;

/** The options every command takes. */
export const COMMON_OPTIONS: OptionDecls = {
  'data-dir': { type: 'string', value: 'DIR', help: "the data directory (default: the platform's app-data folder, or CALDIFF_DATA_DIR)" },
  json: { type: 'boolean', help: 'print the answer as JSON' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export interface CliContext {
  /** Parsed options of this command (the common --data-dir and --json included); reading an undeclared one throws. */
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
  /** The positional arguments, one usage line per form: ['PATH...'], or a subcommand's forms ['list STUDY', ...]. */
  forms: string[];
  options: OptionDecls;
  /** Returns the exit code; throws (ApiError) for a one-line failure message. */
  run(ctx: CliContext): Promise<number>;
}

/** The parseArgs table of a command: its own options and the common ones. */
export function parseArgsOptions(command: Command): NonNullable<ParseArgsConfig['options']> {
  const all = { ...COMMON_OPTIONS, ...command.options };
  return Object.fromEntries(
    Object.entries(all).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : o.type === 'boolean' ? { default: false } : {}) },
    ]),
  );
}

const flag = (name: string, o: OptionDecl) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;

/** `caldiff NAME FORM [options]`, one line per form. */
export function usageOf(command: Command): string {
  const forms = command.forms.length ? command.forms : [''];
  return forms.map((f, i) => `${i === 0 ? 'usage: ' : '       '}caldiff ${command.name}${f ? ` ${f}` : ''} [options]`).join('\n');
}

/** The whole `caldiff NAME --help`: usage, summary, and every option with its value, help and default. */
export function helpOf(command: Command): string {
  const rows = Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, o]) => [flag(name, o), o.default !== undefined ? `${o.help} (default: ${o.default})` : o.help]);
  const width = Math.max(...rows.map(([f]) => f.length));
  return [usageOf(command), command.summary, '', 'options:', ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`)].join('\n');
}

/**
 * What a command's run() reads: the given values over the declared defaults, refusing to hand out an option the
 * command did not declare (a typo would otherwise read undefined). Used by the CLI and by tests that call run().
 */
export function commandValues(command: Command, given: CliContext['values']): CliContext['values'] {
  const declared = new Set([...Object.keys(COMMON_OPTIONS), ...Object.keys(command.options)]);
  const defaults = Object.fromEntries(Object.entries(command.options).flatMap(([name, o]) => (o.default === undefined ? [] : [[name, o.default]])));
  return new Proxy({ ...defaults, ...given }, {
    get(target, key) {
      if (typeof key === 'string' && !declared.has(key)) throw new Error(`caldiff ${command.name} reads --${key}, which it does not declare`);
      return target[key as string];
    },
  });
}

/** Reads an integer option (its declared default when absent), with a clear message when it is not one. */
export function intOption(ctx: CliContext, name: string, fallback: number | null = null): number | null {
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
