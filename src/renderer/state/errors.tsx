import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../../shared/errors';

export interface ShownError {
  id: number;
  code: string;
  message: string;
}

interface ErrorsContext {
  errors: ShownError[];
  report(error: unknown): void;
  dismiss(id: number): void;
}

const Context = createContext<ErrorsContext | null>(null);
let nextId = 1;

/** Every failure reaches the user: API errors carry their code and sentence, anything else its message. */
export function ErrorsProvider({ children }: { children: ReactNode }) {
  const [errors, setErrors] = useState<ShownError[]>([]);
  const report = useCallback((error: unknown) => {
    const e = ApiError.from(error);
    console.error(e);
    setErrors((list) => [...list.filter((x) => x.message !== e.message), { id: nextId++, code: e.code, message: e.message }]);
  }, []);
  const dismiss = useCallback((id: number) => setErrors((list) => list.filter((x) => x.id !== id)), []);
  const value = useMemo(() => ({ errors, report, dismiss }), [errors, report, dismiss]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useErrors(): ErrorsContext {
  const c = useContext(Context);
  if (!c) throw new Error('useErrors outside ErrorsProvider');
  return c;
}
