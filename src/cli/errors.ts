// Errors the command line reports as one clear line and an exit code, never a
// stack. Exit codes: 0 success, 1 bad input or a failure while running (a file
// that cannot be read or written, a port in use...), 2 bad usage (unknown
// flag, missing option, bad value).

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error: unknown flag, missing option, bad value. Exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** `--help` was given: main prints `text` on stdout and exits 0. */
export class HelpRequest extends CliError {
  constructor(readonly text: string) {
    super(text, 0);
    this.name = 'HelpRequest';
  }
}
