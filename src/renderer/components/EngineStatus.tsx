import type { Response } from '../../shared/api';

export type Engine = Response<'models.list'>;

const NAMES: Record<string, string> = { cuda: 'CUDA', webgpu: 'WebGPU', dml: 'DirectML', coreml: 'CoreML', cpu: 'CPU' };
const nameOf = (provider: string) => NAMES[provider] ?? provider;

/** Which model triage uses and where it runs, with why each faster execution provider was not used. */
export function EngineStatus({ engine }: { engine: Engine | null }) {
  if (!engine) return null;
  const model = engine.models.find((m) => m.ok);
  if (!model) {
    const problems = engine.models.map((m) => `${m.id}: ${m.problem}`).join('; ');
    return (
      <p className="error-text small" data-testid="engine-status">
        No usable model{problems ? ` (${problems})` : ' in the models folder'}.
      </p>
    );
  }
  const p = engine.provider;
  const skipped = p ? p.attempts.filter((a) => !a.ok) : [];
  return (
    <div className="muted small engine-status" data-testid="engine-status" data-provider={p?.active ?? ''}>
      Model {model.id} ({model.defaults.samples} samples, {model.defaults.steps} steps) ·{' '}
      {p?.active ? (
        <>
          runs on <b>{nameOf(p.active)}</b>
          {p.forcedCpu ? ' (CPU forced in settings)' : ''}
        </>
      ) : (
        'execution provider chosen at the first run'
      )}
      {skipped.length > 0 && (
        <details className="provider-fallbacks">
          <summary>
            {skipped.length} other provider{skipped.length === 1 ? '' : 's'} not used
          </summary>
          <ul>
            {skipped.map((a) => (
              <li key={a.provider} title={a.reason ?? ''}>
                <b>{nameOf(a.provider)}</b>: {a.reason && a.reason.length > 140 ? `${a.reason.slice(0, 137)}…` : a.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
