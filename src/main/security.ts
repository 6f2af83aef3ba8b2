/** One Content-Security-Policy for the renderer, however it is served (app:// in Electron, HTTP in browser mode). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The Electron renderer's own origin. Pages, navigations and IPC senders are trusted only when their whole origin
 * is this one: a prefix test would let app://renderer.evil/ or app://renderer:8080/ pass. Node's URL calls the
 * origin of a non-special scheme "null", so scheme, host (with any port) and credentials are compared instead.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.host.toLowerCase() === APP_HOST && u.username === '' && u.password === '';
}

/** Links the app offers to open in the system browser (after the user confirms): web pages, nothing else. */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
