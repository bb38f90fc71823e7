import axios from 'axios';
import { ChannelError, type Channel, type OutgoingMessage, type Recipient, type SendResult } from '../types.ts';
import { signWebhook } from './signature.ts';

export type WebhookEvent = 'disclosure.published' | 'disclosure.corrected' | 'disclosure.withdrawn';

const EVENTS: Record<OutgoingMessage['kind'], WebhookEvent> = {
  publish: 'disclosure.published',
  correct: 'disclosure.corrected',
  withdraw: 'disclosure.withdrawn',
};

/** The JSON body of every delivery. */
export interface WebhookPayload {
  event: WebhookEvent;
  /** Same as the Idempotency-Key header: one per public change of a disclosure. */
  key: string;
  disclosure: Record<string, unknown>;
  /** The disclosure's public page (the revision's, for a correction). */
  url: string;
  sentAt: string;
}

export interface WebhookChannelOptions {
  /** The signing secret, or one per endpoint (looked up by recipient). */
  secret: string | ((recipient: Recipient) => string | Promise<string>);
  timeoutMs: number;
  userAgent?: string;
  now?: () => Date;
}

/** `Retry-After` as seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now: Date): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(at - now.getTime(), 0);
}

function endpoint(recipient: Recipient | undefined): URL {
  try {
    const url = new URL(recipient?.address ?? '');
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // falls through
  }
  throw new ChannelError('webhook', 'bad-endpoint', `Webhook recipient ${recipient?.id ?? '?'} has no http(s) URL`, 'fail');
}

/**
 * POSTs a signed JSON event to each subscribed endpoint (signature scheme in ./signature.ts).
 * 2xx = sent; 408/429/5xx/timeouts/network errors = retry (honouring Retry-After); other answers = fail.
 */
/** The JSON a delivery posts (also the console's preview of it). */
export function webhookPayload(message: OutgoingMessage, sentAt: Date): WebhookPayload {
  return { event: EVENTS[message.kind], key: message.key, disclosure: message.document, url: message.url, sentAt: sentAt.toISOString() };
}

export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const now = options.now ?? (() => new Date());
  const http = axios.create({
    timeout: options.timeoutMs,
    validateStatus: () => true,
    // A redirect would re-send the event somewhere the subscriber never registered.
    maxRedirects: 0,
    responseType: 'text',
    maxContentLength: 1 << 20,
    transitional: { clarifyTimeoutError: true },
  });

  return {
    id: 'webhook',
    perRecipient: true,
    async send(message: OutgoingMessage, recipient?: Recipient): Promise<SendResult> {
      const url = endpoint(recipient);
      const sentAt = now();
      const payload = webhookPayload(message, sentAt);
      const rawBody = JSON.stringify(payload);
      const secret = typeof options.secret === 'function' ? await options.secret(recipient as Recipient) : options.secret;
      const where = `${url.origin}${url.pathname}`;
      let res;
      try {
        res = await http.post(url.toString(), rawBody, {
          // Send the exact bytes that were signed.
          transformRequest: [(data: unknown) => data],
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'User-Agent': options.userAgent ?? 'gongkai-webhook/1',
            'Idempotency-Key': message.key,
            'X-Gongkai-Event': payload.event,
            ...signWebhook(secret, rawBody, sentAt),
          },
        });
      } catch (error) {
        const code = axios.isAxiosError(error) ? (error.code ?? 'ERR_NETWORK') : 'ERR_UNKNOWN';
        const kind = code === 'ETIMEDOUT' || code === 'ECONNABORTED' ? 'timeout' : 'network';
        throw new ChannelError('webhook', kind, `Webhook ${where}: ${kind} (${code})`, 'retry');
      }
      if (res.status >= 200 && res.status < 300) {
        const requestId = res.headers['x-request-id'];
        return { externalId: typeof requestId === 'string' && requestId ? requestId : String(res.status) };
      }
      const transient = res.status === 408 || res.status === 429 || res.status >= 500;
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], now());
      throw new ChannelError('webhook', `http-${res.status}`, `Webhook ${where} answered HTTP ${res.status}`, transient ? 'retry' : 'fail', transient ? retryAfterMs : undefined);
    },
  };
}
