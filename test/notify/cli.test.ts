// `skyjoin notify` and the notification flags of `skyjoin stream` fail with
// one line naming the cause.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('skyjoin notify', () => {
  it('prints its usage', async () => {
    const r = await runCli(['notify', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: skyjoin notify \[--data DIR\]/);
  });

  it('says when there is no stream store, a bad flag or a bad config, in one line', async () => {
    const none = await runCli(['notify', '--data', path.join(tmp.dir, 'nothing')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^skyjoin notify: --data .*: no stream store at .*stream \(run 'skyjoin stream --data .* first\)\n$/);
    const flag = await runCli(['notify', '--idle-exit', 'soon']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split('\n')[0]).toMatch(/--idle-exit/);
    mkdirSync(path.join(tmp.dir, 'd', 'stream'), { recursive: true });
    const cfg = path.join(tmp.dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ notify: { allowNetworks: ['loopback'], pauseAfter: 3 } }));
    const bad = await runCli(['notify', '--data', path.join(tmp.dir, 'd'), '--config', cfg]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^skyjoin notify: bad configuration in .*bad.json: unknown setting 'notify.pauseAfter' \(known: .*\)\n$/);
    writeFileSync(cfg, '{"notify": ');
    expect((await runCli(['notify', '--data', path.join(tmp.dir, 'd'), '--config', cfg])).stderr).toMatch(/^skyjoin notify: --config .*: not valid JSON/);
  });

  it('skyjoin stream refuses a bad notify config before it starts', async () => {
    const cfg = path.join(tmp.dir, 'bad2.json');
    writeFileSync(cfg, JSON.stringify({ notify: { smtp: { host: 'mail.example.org', from: 'not an address' } } }));
    const r = await runCli(['stream', '--from', `file:${tmp.dir}`, '--data', path.join(tmp.dir, 's'), '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^skyjoin stream: bad configuration in .*bad2.json: notify.smtp.from must be an e-mail address/);
    const w = await runCli(['stream', '--from', `file:${tmp.dir}`, '--data', path.join(tmp.dir, 's'), '--notify-wait', '-1']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--notify-wait/);
  });
});
