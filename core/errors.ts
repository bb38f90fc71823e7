/**
 * The only error types the API maps to responses. `expose` says whether the message is
 * meant for the client; unexposed errors become a plain 500.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown; expose?: boolean }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.expose = options?.expose ?? status < 500;
  }
}

export interface FieldProblem {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(400, 'validation_failed', message);
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'authentication required') {
    super(401, 'unauthenticated', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'not allowed for this key') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'not found') {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(409, 'conflict', message);
  }
}

export class UnavailableError extends AppError {
  constructor(message = 'service unavailable') {
    super(503, 'unavailable', message, { expose: true });
  }
}
