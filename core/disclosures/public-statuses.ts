/** What the public may read: made public at some point, withdrawn items included (shown as withdrawn). */
export const PUBLIC_STATUSES = ['published', 'corrected', 'withdrawn'] as const;
