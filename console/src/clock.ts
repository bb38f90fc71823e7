/** Whole days from now to the end of the due day (dueAt, China time): negative when overdue. */
export function daysLeft(dueAt: string | Date, now = new Date()): number {
  return Math.ceil((new Date(dueAt).getTime() - now.getTime()) / 86_400_000);
}

export function clockText(dueAt: string | Date, now = new Date()): { text: string; className: string } {
  const days = daysLeft(dueAt, now);
  if (new Date(dueAt).getTime() < now.getTime()) return { text: `已逾期 ${Math.max(1, -days)} 天`, className: 'overdue' };
  if (days <= 3) return { text: `剩 ${days} 天`, className: 'soon' };
  return { text: `剩 ${days} 天`, className: '' };
}
