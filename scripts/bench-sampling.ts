// `npm run bench:sampling [-- options]`: the sampling benchmark as a standalone bundle (dist/bench/sampling.cjs),
// the same command as `caldiff bench`. Options: --model ID, --slices N, --full-slices N, --steps K, --no-torch,
// --no-full, --json.
import { parseArgs } from 'node:util';
import { benchCommand } from '../src/main/cli/commands/bench';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { ...benchCommand.options, json: { type: 'boolean', default: false } },
  allowPositionals: true,
});
benchCommand
  .run({
    values,
    positionals,
    json: Boolean(values.json),
    app: () => {
      throw new Error('the benchmark needs no database');
    },
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
  })
  .then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`bench:sampling: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
