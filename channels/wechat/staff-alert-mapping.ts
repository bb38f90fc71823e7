import type { StaffAlertMessage } from '../staff-alerts/types.ts';
import { chinaTime, oneLine, phrase, thing, truncate, type TemplateData } from './template-data.ts';
import { keyMappingProblems, keyType } from './template-mapping.ts';

/**
 * The parts of a staff alert that an official-account template's keys can show. As with the
 * disclosure template (template-mapping.ts), the account's template decides the keys, so which part
 * goes where is configuration, checked against the keyword rules when it is saved.
 */
export const STAFF_ALERT_PARTS = {
  event: '提醒类型',
  title: '事项',
  agency: '机关',
  detail: '详情',
  time: '时间',
} as const;
export type StaffAlertPart = keyof typeof STAFF_ALERT_PARTS;
export type StaffAlertMapping = Readonly<Record<string, StaffAlertPart>>;

const FITS: Record<string, readonly StaffAlertPart[]> = {
  thing: ['event', 'title', 'agency', 'detail', 'time'],
  short_thing: ['event'],
  phrase: ['event'],
  time: ['time'],
  date: ['time'],
};

/** The sandbox official account's template (thing1, thing2, thing3, time4) read as a staff alert. */
export const SANDBOX_STAFF_ALERT_MAPPING: StaffAlertMapping = { thing1: 'title', thing2: 'agency', thing3: 'detail', time4: 'time' };

/** Every problem of a staff-alert mapping, each naming its key (the disclosure mapping's rules); empty: valid. */
export const staffAlertMappingProblems = (mapping: Record<string, unknown>): string[] => keyMappingProblems(mapping, STAFF_ALERT_PARTS, FITS, 'part');

function partValue(part: StaffAlertPart, message: StaffAlertMessage): string {
  switch (part) {
    case 'event':
      return message.event;
    case 'title':
      return `【${message.event}】${message.title}`;
    case 'agency':
      return message.agencyName;
    case 'detail':
      return message.lines.join('；');
    case 'time':
      return chinaTime(message.at);
  }
}

/** The template data of a staff alert under a mapping, each value fitted to its key's type. */
export function staffAlertTemplateData(mapping: StaffAlertMapping, message: StaffAlertMessage): TemplateData {
  return Object.fromEntries(
    Object.entries(mapping).map(([key, part]) => {
      const type = keyType(key);
      const value = partValue(part, message);
      if (type === 'time') return [key, { value: chinaTime(message.at) }];
      if (type === 'date') return [key, { value: chinaTime(message.at).replace(/ .*$/, '') }];
      if (type === 'phrase') return [key, { value: phrase(value) || '提醒' }];
      if (type === 'short_thing') return [key, { value: truncate(oneLine(value), 5) }];
      return [key, { value: thing(value) }];
    }),
  );
}
