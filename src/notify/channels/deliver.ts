// Sends one notification on a subscription's channel. Never throws: the
// result says whether it arrived, and whether trying again may help.

import type { NotifyConfig } from '../config.js';
import type { Notification } from '../message.js';
import type { DeliveryResult } from '../retry.js';
import type { Channel } from '../subscriptions.js';
import { sendMail } from './email.js';
import { sendSlack } from './slack.js';
import { sendVoevent } from './voevent.js';
import { sendWebhook } from './webhook.js';

export async function deliver(channel: Channel, n: Notification, config: NotifyConfig): Promise<DeliveryResult> {
  try {
    switch (channel.type) {
      case 'webhook': return await sendWebhook(channel.url, channel.secret, n, config.publicBaseUrl, config);
      case 'slack': return await sendSlack(channel.url, n, config.publicBaseUrl, config);
      case 'email': return await sendMail(channel.to, n, config);
      case 'voevent': return await sendVoevent(channel, n, config);
    }
  } catch (err) {
    return { ok: false, final: false, status: null, latencyMs: 0, error: `unexpected: ${(err as Error).message}` };
  }
}
