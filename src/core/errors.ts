/**
 * A rule was broken by the input. `fields` maps each offending field (named as in the forms and
 * the Mastodon API) to a message a person can act on; pages show it next to the field, the API
 * answers 422 with {"error": …}.
 */
export class ValidationError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.values(fields).join("; "));
    this.name = "ValidationError";
  }
}

/** An action that cannot be done now, with a safe message and the HTTP status that fits. */
export class CoreError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 422 | 429,
  ) {
    super(message);
    this.name = "CoreError";
  }
}
