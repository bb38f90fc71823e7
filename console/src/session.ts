import { reactive } from 'vue';
import type { Me } from './api.ts';

/** Who is signed in, shared by the shell and the pages. */
export const session = reactive<{ me: Me | undefined; checked: boolean }>({ me: undefined, checked: false });
