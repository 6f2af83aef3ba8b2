import type { ApiClient } from '../shared/api';
import { createClient, envelopeCall, httpCall, type Call, type IpcEnvelope } from '../shared/client';

/** What the Electron preload exposes through contextBridge; absent in browser mode. */
export interface CaldiffBridge {
  call(op: string, request: unknown): Promise<IpcEnvelope>;
  platform: string;
}

declare global {
  interface Window {
    caldiff?: CaldiffBridge;
  }
}

const TOKEN_KEY = 'caldiff.token';

/**
 * Browser mode receives its per-launch token in the page URL. Keep it for reloads in sessionStorage (per tab,
 * gone with the tab) and take it out of the address bar so it does not end up in screenshots or history.
 */
function browserToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function transport(): Call {
  const bridge = window.caldiff;
  if (bridge) return envelopeCall((op, request) => bridge.call(op, request));
  return httpCall(window.location.origin, browserToken());
}

export const api: ApiClient = createClient(transport());
