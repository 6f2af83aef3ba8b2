import { useCallback, useState } from 'react';
import type { Rater } from '../../shared/api';

const KEY = 'caldiff.rater';

function stored(): Rater | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Rater) : null;
  } catch {
    return null;
  }
}

/** The rater identity stamped on every change; remembered across launches on this machine. */
export function useRater(): [Rater | null, (r: Rater | null) => void] {
  const [rater, setRater] = useState<Rater | null>(stored);
  const choose = useCallback((r: Rater | null) => {
    if (r) localStorage.setItem(KEY, JSON.stringify(r));
    else localStorage.removeItem(KEY);
    setRater(r);
  }, []);
  return [rater, choose];
}
