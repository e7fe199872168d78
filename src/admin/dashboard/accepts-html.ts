/**
 * Content negotiation for `GET /`: a browser lists text/html in its Accept header and gets
 * the dashboard; curl (Accept: *\/*), scripts and monitoring get the JSON overview. A
 * text/html entry with q=0 means "not HTML".
 */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((entry) => {
    const [range, ...params] = entry.trim().toLowerCase().split(';').map((part) => part.trim());
    if (range !== 'text/html') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
