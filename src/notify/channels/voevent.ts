// VOEvent channel: one VOEvent 2.0 packet per message (a packet describes one
// event), POSTed to a URL as application/xml (signed like a webhook) or
// written to the configured folder, one file per message, named after its
// idempotency key (a repeat overwrites the same file). Who: the broker;
// What: the alert's parameters and its links; WhereWhen: ICRS position with
// its error and the observation time (UTC); How: the survey; Why: the
// filter, or the watch-list target and separation. Packets validate against
// the IVOA VOEvent 2.0 schema (tests run xmllint --schema on them).

import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NotifyConfig } from '../config.js';
import { summarize, type Notification, type QueuedMessage } from '../message.js';
import type { DeliveryResult } from '../retry.js';
import { postSigned } from './webhook.js';
import type { PostOptions } from './http-post.js';

/** Typical astrometric error of a survey's alert positions, arcsec (used when a record carries none). */
const POSITION_ERROR_ARCSEC: Record<string, number> = { ztf: 0.1, lsst: 0.05 };
const DEFAULT_POSITION_ERROR_ARCSEC = 1;

const x = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** MJD (UTC) as an ISO 8601 time without zone, as VOEvent's ISOTime is written. */
export function mjdToIso(mjd: number): string {
  return new Date(Math.round((mjd - 40587) * 86_400_000)).toISOString().replace('Z', '');
}

export function voeventIvorn(authority: string, stream: string, key: string): string {
  return `ivo://${authority}/skyjoin#${encodeURIComponent(stream)}/${encodeURIComponent(key)}`;
}

function param(name: string, value: string | number | null, o: { unit?: string; ucd?: string; description?: string } = {}): string {
  if (value === null) return '';
  const type = typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : 'string';
  const attrs = `name="${x(name)}" value="${x(String(value))}" dataType="${type}"${o.unit ? ` unit="${x(o.unit)}"` : ''}${o.ucd ? ` ucd="${x(o.ucd)}"` : ''}`;
  return o.description ? `    <Param ${attrs}><Description>${x(o.description)}</Description></Param>\n` : `    <Param ${attrs}/>\n`;
}

/** The VOEvent 2.0 packet of one message. */
export function voeventPacket(n: Pick<Notification, 'stream' | 'test' | 'subscriptionName'>, m: Pick<QueuedMessage, 'key' | 'value'>, config: Pick<NotifyConfig, 'voeventAuthority' | 'publicBaseUrl'>, nowMs = Date.now()): string {
  const s = summarize(n.stream, m, config.publicBaseUrl);
  const v = m.value;
  const errArcsec = typeof v.position_error_arcsec === 'number' ? v.position_error_arcsec : POSITION_ERROR_ARCSEC[s.survey ?? ''] ?? DEFAULT_POSITION_ERROR_ARCSEC;
  const sep = typeof v.sep_arcsec === 'number' ? v.sep_arcsec : null;
  const what = [
    param('stream', n.stream, { description: 'skyjoin stream the message came from' }),
    param('idempotency_key', s.idempotencyKey, { description: 'Stream and message key: the same event always has the same key' }),
    param('alert_id', s.alertId, { ucd: 'meta.id' }),
    param('object_id', s.objectId, { ucd: 'meta.id', description: "skyjoin's object id" }),
    param('survey', s.survey),
    param('mag', s.mag, { unit: 'mag', ucd: 'phot.mag' }),
    param('band', s.band, { ucd: 'instr.bandpass' }),
    param('mjd', s.mjd, { unit: 'd', ucd: 'time.epoch' }),
    param('sep_arcsec', sep, { unit: 'arcsec', ucd: 'pos.angDistance', description: 'Separation from the watch-list target or region centre' }),
    param('top_annotation', s.annotation, { description: 'Closest catalog counterpart' }),
    s.pageUrl ? `    <Reference uri="${x(s.pageUrl)}" type="url" mimetype="text/html"/>\n` : '',
    s.jsonUrl ? `    <Reference uri="${x(s.jsonUrl)}" type="url" mimetype="application/json"/>\n` : '',
  ].join('');
  const whereWhen = s.ra === null || s.dec === null ? '' : `  <WhereWhen>
    <ObsDataLocation>
      <ObservatoryLocation id="GEOSURFACE"/>
      <ObservationLocation>
        <AstroCoordSystem id="UTC-ICRS-TOPO"/>
        <AstroCoords coord_system_id="UTC-ICRS-TOPO">
${s.mjd === null ? '' : `          <Time unit="s"><TimeInstant><ISOTime>${mjdToIso(s.mjd)}</ISOTime></TimeInstant></Time>\n`}          <Position2D unit="deg">
            <Name1>RA</Name1>
            <Name2>Dec</Name2>
            <Value2><C1>${s.ra}</C1><C2>${s.dec}</C2></Value2>
            <Error2Radius>${errArcsec / 3600}</Error2Radius>
          </Position2D>
        </AstroCoords>
      </ObservationLocation>
    </ObsDataLocation>
  </WhereWhen>
`;
  const concept = typeof v.watchlist_id === 'string' ? 'watch list' : s.why.startsWith('filter') ? 'filter' : 'stream';
  const name = typeof v.watchlist_id === 'string' ? String(v.watchlist_name ?? v.watchlist_id) : s.why;
  return `<?xml version="1.0" encoding="UTF-8"?>
<voe:VOEvent xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ivoa.net/xml/VOEvent/v2.0 http://www.ivoa.net/xml/VOEvent/VOEvent-v2.0.xsd" version="2.0" role="${n.test ? 'test' : 'observation'}" ivorn="${x(voeventIvorn(config.voeventAuthority, n.stream, m.key))}">
  <Who>
    <AuthorIVORN>ivo://${x(config.voeventAuthority)}/skyjoin</AuthorIVORN>
    <Date>${new Date(nowMs).toISOString().replace('Z', '')}</Date>
    <Author><shortName>skyjoin</shortName><title>skyjoin alert broker</title></Author>
  </Who>
  <What>
${what}  </What>
${whereWhen}  <How>
    <Description>${x(`${s.survey ?? 'survey'} alert through the skyjoin broker, stream ${n.stream}`)}</Description>
  </How>
  <Why importance="0.5">
    <Inference probability="1.0" relation="associated">
      <Name>${x(name)}</Name>
      <Concept>${x(concept)}</Concept>
      <Description>${x(s.why)}</Description>
    </Inference>
  </Why>
  <Description>${x(`Subscription "${n.subscriptionName}"`)}</Description>
</voe:VOEvent>
`;
}

/** The file a message's packet is written to under a subscription's folder. */
export function voeventFile(dir: string, subscriptionId: string, stream: string, key: string): string {
  const id = `${stream}:${key}`;
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
  return path.join(dir, subscriptionId, `${safe}-${createHash('sha256').update(id).digest('hex').slice(0, 12)}.xml`);
}

/** Sends each message of the notification as its own packet, in order; stops at the first failure. */
export async function sendVoevent(target: { url?: string; secret?: string; folder?: boolean }, n: Notification, config: NotifyConfig & PostOptions['config']): Promise<DeliveryResult> {
  const t0 = performance.now();
  let last: DeliveryResult = { ok: true, final: false, status: null, latencyMs: 0, error: null };
  for (const m of n.messages) {
    const xml = voeventPacket(n, m, config);
    if (target.url) {
      last = await postSigned(target.url, target.secret ?? '', xml, 'application/xml', summarize(n.stream, m, config.publicBaseUrl).idempotencyKey, config);
      if (!last.ok) return last;
    } else {
      const file = voeventFile(config.voeventDir, n.subscriptionId, n.stream, m.key);
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, xml);
        renameSync(tmp, file);
      } catch (err) {
        return { ok: false, final: false, status: null, latencyMs: performance.now() - t0, error: `cannot write ${file}: ${(err as Error).message}` };
      }
    }
  }
  return { ...last, latencyMs: performance.now() - t0 };
}
