import type { Context } from 'koa';
import { AppError, ValidationError } from '../../core/errors.ts';

/** The pages' forms hold an API key or a CSRF token: a few hundred bytes. */
export const MAX_FORM_BYTES = 8 * 1024;

const tooLarge = () => new AppError(413, 'payload_too_large', `form larger than ${MAX_FORM_BYTES} bytes`);

/**
 * A form-urlencoded body, read here because the app's body parser takes JSON only. A field sent
 * twice counts as absent, so no one value can be smuggled in next to another.
 */
export async function readForm(ctx: Context): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError(415, 'unsupported_media_type', 'expected an application/x-www-form-urlencoded form');
  }
  if (Number(ctx.get('content-length') || 0) > MAX_FORM_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ValidationError('form is not UTF-8');
  }
  const fields: Record<string, string> = Object.create(null);
  const params = new URLSearchParams(text);
  for (const name of new Set(params.keys())) {
    const all = params.getAll(name);
    if (all.length === 1) fields[name] = all[0]!;
  }
  return fields;
}
