"""Reference propagation for test/match/motion.test.ts: astropy's
SkyCoord.apply_space_motion (ERFA pmsafe), run by the test setup with
Debian's /usr/bin/python3 (python3-astropy). Reads JSON
{"stars": [{ra, dec, pmra, pmdec, plx|null, rv|null, t0, t1}]} on stdin
(degrees, mas/yr, mas, km/s, Julian years) and writes
[{ra, dec, pmra, pmdec}] at t1."""
import json
import sys
import warnings

warnings.simplefilter('ignore')  # ERFA warns about "dubious year" for far epochs
import astropy.units as u
from astropy.coordinates import Distance, SkyCoord
from astropy.time import Time

out = []
for s in json.load(sys.stdin)['stars']:
    kw = dict(ra=s['ra'] * u.deg, dec=s['dec'] * u.deg,
              pm_ra_cosdec=s['pmra'] * u.mas / u.yr, pm_dec=s['pmdec'] * u.mas / u.yr,
              obstime=Time(s['t0'], format='jyear', scale='tt'))
    if s.get('plx') is not None and s.get('rv') is not None:
        kw['distance'] = Distance(parallax=s['plx'] * u.mas)
        kw['radial_velocity'] = s['rv'] * u.km / u.s
    else:
        # No radial motion known: the same model as a radial velocity of 0 at
        # any distance, taken at 1 pc so the star's speed stays far below c
        # (light-time effects then vanish). Without a distance astropy puts
        # the star at 10 Mpc, where ERFA caps its speed and moves it 5e-5 too far.
        kw['distance'] = Distance(parallax=1000 * u.mas)
        kw['radial_velocity'] = 0 * u.km / u.s
    c = SkyCoord(frame='icrs', **kw).apply_space_motion(new_obstime=Time(s['t1'], format='jyear', scale='tt'))
    out.append({'ra': float(c.ra.deg), 'dec': float(c.dec.deg),
                'pmra': float(c.pm_ra_cosdec.to_value(u.mas / u.yr)), 'pmdec': float(c.pm_dec.to_value(u.mas / u.yr))})
json.dump(out, sys.stdout)
