import type { Tool } from '../types';

/** No pointer handler: the left drag stays window/level, as with Alt + drag under any tool. */
export const navigate: Tool = {
  id: 'navigate',
  label: 'Navigate',
  description: 'Navigate tool (window/level on drag)',
  key: 'V',
  cursor: 'default',
  settings: [],
};
