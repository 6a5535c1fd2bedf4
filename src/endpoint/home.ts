/**
 * `GET /`: a short HTML page for a person who opens the server in a browser, pointing at the SData provider
 * URL `/sdata` (where discovery starts), at the event logger's dashboard when `server.dashboardUrl` names one,
 * and at the documentation.
 */
import type { Request, Response } from 'express';

/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function homePage(providerUrl: string, dashboardUrl?: string): string {
  const url = escapeHtml(providerUrl);
  const dashboard = dashboardUrl
    ? `<p>Sync health (routes, lag, runs, conflicts, quarantined entries): the dashboard at <a href="${escapeHtml(dashboardUrl)}">${escapeHtml(dashboardUrl)}</a>.</p>\n`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sdata-sync</title></head>
<body>
<h1>sdata-sync</h1>
<p>This server is an SData provider. Start at <a href="${url}">${url}</a>: an Atom feed of its applications,
whose links lead to contracts, datasets and every resource kind with its feed, <code>$schema</code>,
<code>$template</code> and <code>$syncDigest</code>. Add <code>?format=json</code> for SData JSON.</p>
${dashboard}<p>Documentation: <code>README.md</code> ("For integrators") and <code>openapi/openapi.yaml</code> in the
sdata-sync distribution; the SData specification at
<a href="https://sage.github.io/SData-2.0/">https://sage.github.io/SData-2.0/</a>.</p>
</body></html>
`;
}

export function getHome(providerUrl: string, dashboardUrl?: string) {
  return (_req: Request, res: Response): void => {
    res.status(200).type('text/html; charset=utf-8').send(homePage(providerUrl, dashboardUrl));
  };
}
