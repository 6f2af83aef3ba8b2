import { useErrors } from '../state/errors';

export function ErrorBanner() {
  const { errors, dismiss } = useErrors();
  if (!errors.length) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      {errors.map((e) => (
        <div key={e.id} className="error-item">
          <span className="error-code">{e.code}</span>
          <span className="error-message">{e.message}</span>
          <button type="button" aria-label="Dismiss error" onClick={() => dismiss(e.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
