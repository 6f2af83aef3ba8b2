import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, isAppUrl, isExternalLink } from './security';

describe('Electron origin checks', () => {
  it('trusts the app origin and nothing that merely starts like it', () => {
    for (const url of [`${APP_ORIGIN}/index.html`, `${APP_ORIGIN}/`, `${APP_ORIGIN}`, 'APP://RENDERER/x?y#z']) expect(isAppUrl(url), url).toBe(true);
    for (const url of [
      'app://renderer.evil/',
      'app://renderer.evil.example/index.html',
      'app://rendererx/',
      'app://renderer:8080/',
      'app://user@renderer/',
      'app://renderer@evil/',
      'https://renderer/',
      'file:///app/renderer/index.html',
      'about:blank',
      'not a url',
      '',
      undefined,
    ])
      expect(isAppUrl(url), String(url)).toBe(false);
  });

  it('offers only https links to the system browser', () => {
    expect(isExternalLink('https://www.cancerimagingarchive.net/')).toBe(true);
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'app://renderer/', 'nonsense'])
      expect(isExternalLink(url), url).toBe(false);
  });
});
