/**
 * A small browser stand-in for route tests: keeps cookies, reads the CSRF token from a page and
 * sends forms the way a browser does. Works over app.handle or a real server's fetch.
 */
export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly send: (request: Request) => Promise<Response>,
    private readonly origin = "http://127.0.0.1:3000",
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has("accept")) headers.set("accept", "text/html");
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await this.send(new Request(new URL(path, this.origin).href, { ...init, headers, redirect: "manual" }));
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", value = ""] = pair.split(/=(.*)/s, 2);
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === "") this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return response;
  }

  get(path: string): Promise<Response> {
    return this.request(path);
  }

  /** The CSRF token the site gives this client now (it changes at sign-in). */
  async csrf(): Promise<string> {
    const html = await (await this.get("/about")).text();
    const match = /name="_csrf" value="([^"]+)"/.exec(html) ?? /X-CSRF-Token(?:&quot;|&#34;):(?:&quot;|&#34;)([^&]+)&/.exec(html);
    if (!match?.[1]) throw new Error("no CSRF token on the page");
    return match[1];
  }

  /** Posts a form with the CSRF token, as a page would (pairs for a field given more than once). */
  async post(
    path: string,
    fields: Record<string, string> | [string, string][],
    options: { csrf?: boolean; headers?: Record<string, string> } = {},
  ) {
    const body = new URLSearchParams(fields);
    if (options.csrf !== false) body.set("_csrf", await this.csrf());
    return this.request(path, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded", ...options.headers },
    });
  }

  /**
   * Posts a form with files as a page does (multipart, the CSRF token in it): pairs for fields
   * given more than once; each file goes in `media` with "alt of NAME" as its description.
   */
  async postFiles(path: string, fields: [string, string][], files: File[] = []): Promise<Response> {
    const form = new FormData();
    form.set("_csrf", await this.csrf());
    for (const [name, value] of fields) form.append(name, value);
    for (const file of files) {
      form.append("media", file);
      form.append("description", `alt of ${file.name}`);
    }
    return this.request(path, { method: "POST", body: form });
  }

  async login(username: string, password: string): Promise<Response> {
    const response = await this.post("/login", { username, password });
    if (response.status !== 303) throw new Error(`login failed: ${response.status} ${await response.text()}`);
    return response;
  }
}

/** Loads a page until it contains a text or matches a pattern (deliveries are asynchronous); returns it. */
export async function eventuallyShows(browser: WebClient, path: string, needle: string | RegExp, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const page = await (await browser.get(path)).text();
    if (typeof needle === "string" ? page.includes(needle) : needle.test(page)) return page;
    if (Date.now() > deadline) throw new Error(`${path} never showed ${needle}`);
    await Bun.sleep(100);
  }
}
