/**
 * An error that ends the process with one clear line: what went wrong, where, and what to do.
 * Exit code 2 is for usage and configuration mistakes, 1 for everything else.
 */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = "FatalError";
  }
}
