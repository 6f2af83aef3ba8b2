import { useErrors } from '../state/errors';

export function ErrorBanner() {
  const { errors, dismiss } = useErrors();
  if (!errors.length) return null;
  // A request that needs something not there yet (two raters for agreement) is a hint, not a failure.
  const hintsOnly = errors.every((e) => e.code === 'needs_more');
  return (
    <div className={hintsOnly ? 'error-banner hint-banner' : 'error-banner'} role={hintsOnly ? 'status' : 'alert'} data-testid="error-banner" data-kind={hintsOnly ? 'hint' : 'error'}>
      {errors.map((e) => (
        <div key={e.id} className={e.code === 'needs_more' ? 'error-item hint' : 'error-item'}>
          <span className="error-code">{e.code === 'needs_more' ? 'hint' : e.code}</span>
          <span className="error-message">{e.message}</span>
          <button type="button" aria-label="Dismiss error" onClick={() => dismiss(e.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
