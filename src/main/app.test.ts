import { afterEach, describe, expect, test } from 'vitest';
import { createApp } from './app';
import { tempDir } from './testing/paths';

const saved = process.env.CALDIFF_FORCE_CPU;
afterEach(() => {
  if (saved === undefined) delete process.env.CALDIFF_FORCE_CPU;
  else process.env.CALDIFF_FORCE_CPU = saved;
});

describe('createApp', () => {
  test('reads CALDIFF_FORCE_CPU by the same rule as the bench; an explicit setting wins', () => {
    const forceCpu = (value: string, settings = {}) => {
      process.env.CALDIFF_FORCE_CPU = value;
      const app = createApp({ dataDir: tempDir(), settings });
      app.close();
      return app.context.settings.forceCpu;
    };
    expect([forceCpu('1'), forceCpu('true'), forceCpu('0'), forceCpu('yes')]).toEqual([true, true, false, false]);
    expect(forceCpu('1', { forceCpu: false })).toBe(false);
  });
});
