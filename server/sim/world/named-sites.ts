// The small named sites Istio's egress tasks use, answering as the real ones do in Istio's docs:
// edition.cnn.com redirects plain HTTP to HTTPS with a 301 and serves a page over HTTPS
// (`curl -sSL -o /dev/null -D - http://edition.cnn.com/politics` shows 301 then `HTTP/2 200`);
// www.google.com serves a page on both.
import type { AnyRequest, AnyResponse } from './httpbin-org.ts';

function page(res: AnyResponse, title: string, server: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>A page of meshlab's simulated internet.</p></body></html>\n`);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', String(body.length));
  res.setHeader('Server', server);
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(body);
}

function pathOf(req: AnyRequest): string {
  const raw = req.url ?? '/';
  // Absolute-form targets (a proxy's view) keep only the path; control characters are refused.
  const path = raw.startsWith('/') ? raw : (() => {
    try {
      const u = new URL(raw);
      return `${u.pathname}${u.search}`;
    } catch { // not a URL: the site root
      return '/';
    }
  })();
  return /[\x00-\x20\x7f]/.test(path) ? '/' : path;
}

export function editionCnnCom(req: AnyRequest, res: AnyResponse, scheme: 'http' | 'https'): void {
  if (scheme === 'http') {
    res.statusCode = 301;
    res.setHeader('Server', 'Varnish');
    res.setHeader('Retry-After', '0');
    res.setHeader('Content-Length', '0');
    res.setHeader('Location', `https://edition.cnn.com${pathOf(req)}`);
    res.setHeader('Cache-Control', 'public, max-age=600');
    res.end();
    return;
  }
  page(res, 'CNN International - Breaking News', 'Varnish', { 'Cache-Control': 'max-age=60' });
}

export function wwwGoogleCom(_req: AnyRequest, res: AnyResponse): void {
  page(res, 'Google', 'gws', { 'Cache-Control': 'private, max-age=0', 'X-Frame-Options': 'SAMEORIGIN' });
}
