// Slack channel: an incoming-webhook POST (https://api.slack.com/messaging/webhooks)
// with `text` (the notification in one line: what Slack shows in alerts and
// where blocks are not rendered) and Block Kit `blocks`: a header, one
// section per message (object id linked to its page, position, magnitude and
// band, why it matched, the closest catalog counterpart) and a context line.
// Slack's documented limits are kept: 50 blocks, 150 characters of header,
// 3000 characters of section text; a digest longer than fits ends with
// "and N more". mrkdwn specials (& < >) in our text are escaped.

import { notificationKey, summarize, summaryLine, type Notification, type Summary } from '../message.js';
import type { DeliveryResult } from '../retry.js';
import { postBody, type PostOptions } from './http-post.js';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_HEADER = 150;
export const SLACK_MAX_SECTION = 3000;
/** Messages shown one by one in a digest; the rest are counted. */
const SHOWN = 40;

/** Escapes Slack's mrkdwn control characters. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function sectionText(s: Summary): string {
  const obj = s.pageUrl ? `<${s.pageUrl}|object ${slackEscape(s.objectId ?? '?')}>` : `object ${slackEscape(s.objectId ?? '?')}`;
  const lines = [`*${obj}*${s.survey ? ` (${slackEscape(s.survey)})` : ''}${s.jsonUrl ? ` · <${s.jsonUrl}|JSON>` : ''}`];
  const pos = s.ra === null || s.dec === null ? 'position unknown' : `RA ${s.ra.toFixed(5)}°, Dec ${s.dec >= 0 ? '+' : ''}${s.dec.toFixed(5)}°`;
  lines.push(`${pos}${s.mag === null ? '' : ` · ${slackEscape(s.band ?? '?')} = ${s.mag.toFixed(2)} mag`}${s.mjd === null ? '' : ` · MJD ${s.mjd.toFixed(5)}`}`);
  lines.push(`Why: ${slackEscape(s.why)}`);
  if (s.annotation) lines.push(`Nearest: ${slackEscape(s.annotation)}`);
  return cut(lines.join('\n'), SLACK_MAX_SECTION);
}

/** The incoming-webhook payload of a notification. */
export function slackPayload(n: Notification, publicBaseUrl: string): { text: string; blocks: Array<Record<string, unknown>> } {
  const sums = n.messages.map((m) => summarize(n.stream, m, publicBaseUrl));
  const title = `${n.test ? '[test] ' : ''}${sums.length === 1 ? `skyjoin: object ${sums[0].objectId ?? '?'}` : `skyjoin: ${sums.length} alerts`} on ${n.stream}`;
  const text = sums.length === 1 ? `${n.test ? '[test] ' : ''}${summaryLine(sums[0])}` : `${title} (${n.subscriptionName})`;
  const blocks: Array<Record<string, unknown>> = [{ type: 'header', text: { type: 'plain_text', text: cut(title, SLACK_MAX_HEADER) } }];
  for (const s of sums.slice(0, SHOWN)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: sectionText(s) } });
  if (sums.length > SHOWN) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${sums.length - SHOWN} more (all of them in the stream ${slackEscape(n.stream)})` } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(`Subscription ${slackEscape(n.subscriptionName)} · ${slackEscape(notificationKey(n))}`, SLACK_MAX_SECTION) }] });
  return { text: slackEscape(text), blocks };
}

export function sendSlack(url: string, n: Notification, publicBaseUrl: string, config: PostOptions['config']): Promise<DeliveryResult> {
  return postBody(url, JSON.stringify(slackPayload(n, publicBaseUrl)), { config, headers: { 'content-type': 'application/json' } });
}
