import type { Middleware } from 'koa';
import { ValidationError } from '../../core/errors.ts';

const MAX_DEPTH = 20;

/**
 * Refuses any body key that MongoDB would read as an operator (`$…`) or a path (`a.b`), and
 * absurd nesting, before anything reaches a schema or a query.
 */
export function rejectUnsafeKeys(): Middleware {
  return async (ctx, next) => {
    const problem = findUnsafe(ctx.request.body, '', 0);
    if (problem) throw new ValidationError(`invalid ${problem.path}`, [problem]);
    await next();
  };
}

function findUnsafe(value: unknown, path: string, depth: number): { path: string; message: string } | undefined {
  if (depth > MAX_DEPTH) return { path: path || '(body)', message: `nested deeper than ${MAX_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafe(value[i], path ? `${path}.${i}` : String(i), depth + 1);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (key.startsWith('$') || key.includes('.') || key.includes('\u0000')) {
        return { path: here, message: 'keys must not start with $ or contain . (reserved by the database)' };
      }
      const found = findUnsafe(child, here, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
