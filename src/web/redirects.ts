/** Where to send someone after a form, without ever leaving this site. */

/** Only a path on this site may follow a login, never another origin. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : "/";
}

export function loginFirst(path: string): string {
  return `/login?next=${encodeURIComponent(path)}`;
}

/** Back to the page the form was on, when that is a page of this site. */
export function back(request: Request, fallback: string): string {
  const referer = request.headers.get("referer");
  if (referer && URL.canParse(referer)) {
    const url = new URL(referer);
    if (url.host === new URL(request.url).host) return url.pathname + url.search;
  }
  return fallback;
}
