// How the candidate filter languages compare (issue 16): compile-time safety
// against hostile expressions, and evaluations/s of the typical filter
// on the nested input skyjoin gives a filter (alert, object, features,
// annotations). The candidates other than the chosen one are not dependencies:
//   npm i --no-save cel-js filtrex jexl && node bench/filter-languages.mjs
// Prints a Markdown table (the README's).

import { Environment } from '@marcbachmann/cel-js';

const N = Number(process.env.N ?? 1_000_000);
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const inputs = Array.from({ length: 1024 }, (_, i) => ({
  alert: { id: String(1e15 + i), band: ['g', 'r', 'i'][i % 3], mag: 15 + rnd() * 6, drb: rnd(), rb: rnd(), object_id: `ZTF2${i % 5}abcdefg` },
  object: { n_detections: 1 + Math.floor(rnd() * 10) },
  features: { rise_rate_g: rnd() * 2 - 1 },
  annotations: { openngc: { matched: rnd() < 0.5, sep_arcsec: rnd() * 20 }, gcvs: { matched: rnd() < 0.1, sep_arcsec: NaN } },
}));

function rate(f) {
  let hits = 0;
  for (let i = 0; i < 50_000; i++) if (f(inputs[i & 1023]) === true) hits++;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (f(inputs[i & 1023]) === true) hits++;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  return { perSecond: Math.round(N / s), hits };
}

const C_LIKE = 'object.n_detections <= 5.0 && features.rise_rate_g > 0.5 && annotations.openngc.matched && annotations.openngc.sep_arcsec < 10.0 && !annotations.gcvs.matched';
const HOSTILE = {
  'constructor chain': 'alert.id.constructor.constructor("return process")()',
  'prototype access': 'alert.__proto__',
  'catastrophic regex': 'alert.object_id.matches("^(a+)+$")',
  'deep nesting (300)': `${'('.repeat(300)}alert.mag${')'.repeat(300)} > 1.0`,
  'huge literal (1 MB string)': `alert.id == "${'x'.repeat(1e6)}"`,
};

async function candidates() {
  const out = [];
  const env = new Environment({ limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 100 } });
  for (const v of ['alert', 'object', 'features', 'annotations']) env.registerVariable(v, 'map');
  out.push({ name: '@marcbachmann/cel-js (CEL), map variables', compile: (e) => env.parse(e), expr: C_LIKE, run: (f) => f });
  try {
    const celjs = await import('cel-js');
    out.push({ name: 'cel-js (CEL)', compile: (e) => { const r = celjs.parse(e); if (!r.isSuccess) throw new Error('parse'); return r.cst; }, expr: C_LIKE, run: (cst) => (x) => celjs.evaluate(cst, x) });
  } catch { /* not installed */ }
  try {
    const { compileExpression } = await import('filtrex');
    const fx = 'object.n_detections <= 5 and features.rise_rate_g > 0.5 and annotations.openngc.matched and annotations.openngc.sep_arcsec < 10 and not annotations.gcvs.matched';
    // filtrex reads a dotted name as one variable: give it a resolver of paths.
    const get = (name, get_, obj) => name.split('.').reduce((o, k) => (o != null && Object.hasOwn(o, k) ? o[k] : undefined), obj);
    out.push({ name: 'filtrex 3', compile: (e) => compileExpression(e.replace(/&&/g, 'and').replace(/!/g, 'not '), { customProp: get }), expr: fx, run: (f) => f });
  } catch { /* not installed */ }
  try {
    const jexl = (await import('jexl')).default;
    out.push({ name: 'jexl 2 (evalSync)', compile: (e) => jexl.compile(e), expr: C_LIKE, run: (c) => (x) => c.evalSync(x) });
  } catch { /* not installed */ }
  return out;
}

const rows = [];
for (const c of await candidates()) {
  const verdicts = [];
  for (const [what, e] of Object.entries(HOSTILE)) {
    let v;
    try {
      const f = c.run(c.compile(e));
      try { const r = f(inputs[0]); v = typeof r === 'function' || (r && typeof r === 'object' && r !== null && !(r instanceof Error)) ? 'ESCAPES' : 'accepted (runs)'; } catch { v = 'accepted (fails at run time)'; }
    } catch { v = 'refused'; }
    verdicts.push(`${what}: ${v}`);
  }
  const r = rate(c.run(c.compile(c.expr)));
  rows.push(`| ${c.name} | ${r.perSecond.toLocaleString('en')} | ${r.hits} | ${verdicts.join('; ')} |`);
}
console.log(`| candidate | evaluations/s (typical filter, nested input, one core) | matches | hostile expressions at compile |\n| --- | --- | --- | --- |\n${rows.join('\n')}`);
