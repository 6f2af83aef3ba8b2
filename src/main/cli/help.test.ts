import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { caldiff } from '../testing/cli';
import { COMMON_OPTIONS, commandValues, helpOf } from './command';
import { commands } from './commands';

const COMMANDS_DIR = path.join(__dirname, 'commands');

/** Every option a command module reads: ctx.values.x, ctx.values['x'], and helpers called as f(ctx, 'x'). */
function optionsRead(source: string): Set<string> {
  const patterns = [/ctx\.values\.([a-z][\w]*)/g, /ctx\.values\['([a-z-]+)'\]/g, /\(ctx, '([a-z-]+)'/g];
  return new Set(patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1])));
}

describe('caldiff help and options come from one declaration per command', () => {
  test.each(commands.map((c) => [c.name, c] as const))('%s: every declared option, its value and its default are in the help', (_name, command) => {
    const help = helpOf(command);
    for (const [name, o] of Object.entries({ ...command.options, ...COMMON_OPTIONS })) {
      expect(help).toContain(`--${name}${o.type === 'string' ? ` ${o.value}` : ''}`);
      expect(help).toContain(o.help);
      if (o.default !== undefined) expect(help).toContain(`(default: ${o.default})`);
    }
  });

  test('every option a command reads is one it declares', () => {
    const sources = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts');
    const checked: string[] = [];
    for (const file of sources) {
      const source = readFileSync(path.join(COMMANDS_DIR, file), 'utf8');
      const command = commands.find((c) => source.includes(`name: '${c.name}'`));
      if (!command) continue;
      checked.push(command.name);
      const declared = new Set([...Object.keys(command.options), ...Object.keys(COMMON_OPTIONS)]);
      expect([...optionsRead(source)].filter((o) => !declared.has(o)), `${file} reads undeclared options`).toEqual([]);
    }
    expect(checked.sort()).toEqual(commands.map((c) => c.name).sort());
  });

  test('reading an undeclared option fails at once; declared defaults are applied', () => {
    const bench = commands.find((c) => c.name === 'bench')!;
    const values = commandValues(bench, { steps: '5' });
    expect([values.steps, values.slices, values['full-slices']]).toEqual(['5', '8', '4']);
    expect(() => values['model-dir']).toThrow('caldiff bench reads --model-dir, which it does not declare');
  });

  test('the real caldiff prints the generated help (bench lists --models-dir)', () => {
    const r = caldiff(['bench', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(helpOf(commands.find((c) => c.name === 'bench')!) + '\n');
    expect(r.stdout).toMatch(/--models-dir DIR +where model cards are found/);
    // An option nobody declared is refused by the parser before any command runs.
    expect(caldiff(['bench', '--model-dir', 'x']).stderr).toMatch(/Unknown option '--model-dir'/);
  });
});
