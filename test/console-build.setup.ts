import { buildConsole } from '../scripts/build-console.ts';

/** The console's pages are served from dist/console: built (or found up to date) before any test runs. */
export default async function setup() {
  await buildConsole();
}
