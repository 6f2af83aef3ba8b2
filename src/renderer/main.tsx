import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorsProvider } from './state/errors';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorsProvider>
      <App />
    </ErrorsProvider>
  </StrictMode>,
);
