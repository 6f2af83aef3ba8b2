/**
 * `caldiff`: the scripting face of the same services the app uses. Every subcommand takes --data-dir and --json,
 * prints one line and exits non-zero on failure.
 */
import { parseArgs } from 'node:util';
import { ApiError } from '../../shared/errors';
import { createApp, type App } from '../app';
import { commandValues, helpOf, parseArgsOptions, type CliContext, type Command } from './command';
import { commands } from './commands';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: caldiff <command> [options]   (every command takes --data-dir DIR and --json)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'caldiff <command> --help shows the options of one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) throw new Error(`unknown command "${name}"; run caldiff --help`);
  const { values, positionals } = parseArgs({ args: rest, options: parseArgsOptions(command), allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(helpOf(command) + '\n');
    return 0;
  }
  let app: App | undefined;
  const ctx: CliContext = {
    values: commandValues(command, values),
    positionals,
    json: Boolean(values.json),
    app: () => (app ??= createApp({ dataDir: values['data-dir'] as string | undefined })),
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
  };
  try {
    return await command.run(ctx);
  } finally {
    app?.close();
  }
}

function oneLine(e: unknown): string {
  return ApiError.from(e).message.replace(/\s+/g, ' ').trim();
}

/** The process entry (bin/caldiff.js): runs one command and sets the exit code. */
export function runCli(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`caldiff: ${oneLine(e)}\n`);
      process.exitCode = 1;
    },
  );
}
