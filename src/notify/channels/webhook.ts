// Webhook channel: the notification as JSON, POSTed with the signature and
// idempotency headers (signature.ts). The body is the same for the same
// messages, whenever it is sent; only the signature's timestamp changes.

import { notificationKey, summarize, type Notification } from '../message.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signBody } from '../signature.js';
import { postBody, type PostOptions } from './http-post.js';
import type { DeliveryResult } from '../retry.js';

/** The JSON a webhook receives. */
export function webhookBody(n: Notification, publicBaseUrl: string): Record<string, unknown> {
  return {
    subscription_id: n.subscriptionId,
    subscription_name: n.subscriptionName,
    stream: n.stream,
    test: n.test,
    idempotency_key: notificationKey(n),
    messages: n.messages.map((m) => {
      const s = summarize(n.stream, m, publicBaseUrl);
      return { idempotency_key: s.idempotencyKey, key: m.key, value: m.value, why: s.why, links: { page: s.pageUrl, json: s.jsonUrl } };
    }),
  };
}

/** POSTs `body` signed with `secret`; content type as given. */
export function postSigned(url: string, secret: string, body: string, contentType: string, idempotencyKey: string, config: PostOptions['config']): Promise<DeliveryResult> {
  return postBody(url, body, {
    config,
    headers: { 'content-type': contentType, [SIGNATURE_HEADER]: signBody(secret, body), [IDEMPOTENCY_HEADER]: idempotencyKey },
  });
}

export function sendWebhook(url: string, secret: string, n: Notification, publicBaseUrl: string, config: PostOptions['config']): Promise<DeliveryResult> {
  return postSigned(url, secret, JSON.stringify(webhookBody(n, publicBaseUrl)), 'application/json', notificationKey(n), config);
}
