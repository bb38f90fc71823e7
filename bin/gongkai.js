#!/usr/bin/env node
// The sources are TypeScript; tsx compiles them on load, so `npx gongkai` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
