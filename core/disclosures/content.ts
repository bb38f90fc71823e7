import { z } from 'zod';
import { findItemType } from '../catalogue/index.ts';
import type { ItemType } from '../catalogue/types.ts';
import { ValidationError, type FieldProblem } from '../errors.ts';
import type { Withheld } from '../models/disclosure.model.ts';

export function requireItemType(field: string, itemType: string): ItemType {
  const found = findItemType(field, itemType);
  if (!found) {
    throw new ValidationError(`itemType ${itemType} is not an item type of field ${field}`, [
      { path: 'itemType', message: `unknown item type for field ${field}; see /api/v1/catalogue` },
    ]);
  }
  return found.itemType;
}

/**
 * Checks content against its item type, allowing withheld keys to be absent, and enforces
 * 涉密不上网: a state-secret value must never be entered, only its notice is kept.
 */
export function validateContent(itemType: ItemType, content: Record<string, unknown>, withheld: Withheld[]) {
  const shape = itemType.content.shape as Record<string, z.ZodType>;
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  withheld.forEach(({ path, basis }, i) => {
    if (!Object.hasOwn(shape, path)) {
      problems.push({ path: `withheld.${i}.path`, message: `${path} is not a content key of ${itemType.code}` });
    } else if (seen.has(path)) {
      problems.push({ path: `withheld.${i}.path`, message: `${path} is withheld twice` });
    } else if (basis === 'state-secret' && content[path] !== undefined) {
      problems.push({
        path: `content.${path}`,
        message: 'a state secret must not be entered (涉密不上网): leave it out, only the notice is published',
      });
    }
    seen.add(path);
  });
  if (problems.length) throw new ValidationError(`invalid ${problems.map((p) => p.path).join(', ')}`, problems);

  const mask = Object.fromEntries([...seen].map((key) => [key, true])) as Record<string, true>;
  const schema = seen.size ? itemType.content.partial(mask) : itemType.content;
  const parsed = schema.safeParse(content);
  if (!parsed.success) {
    const fields = parsed.error.issues.flatMap((issue) => {
      const base = ['content', ...issue.path.map(String)];
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: 'unknown field' }));
      }
      return [{ path: base.join('.'), message: issue.message }];
    });
    throw new ValidationError(`invalid ${fields.map((f) => f.path).join(', ')}`, fields);
  }
  return parsed.data as Record<string, unknown>;
}
