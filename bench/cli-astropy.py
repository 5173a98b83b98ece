"""The astropy side of `npm run bench -- cli`: what a Python user writes for
the same job as `skyjoin xmatch`. Reads two CSV files (id, ra, dec; pandas'
C reader when Debian's python3-pandas is there, else numpy.loadtxt), finds
every pair within R arcsec with SkyCoord.search_around_sky, and writes
`source_id,catalog_id,sep_arcsec` sorted by source then separation, as
skyjoin does. Run with Debian's /usr/bin/python3 (python3-astropy).

usage: cli-astropy.py CATALOG.csv SOURCES.csv RADIUS_ARCSEC OUT.csv
Prints the time of each phase (s) as JSON on stderr.
"""
import json
import sys
import time

t0 = time.perf_counter()
import numpy as np
import astropy.units as u
from astropy.coordinates import SkyCoord

try:
    import pandas as pd

    READER = 'pandas.read_csv'

    def read(path):
        # round_trip: the same doubles as Python's float(); ids kept as text.
        d = pd.read_csv(path, dtype={'id': str, 'ra': np.float64, 'dec': np.float64}, float_precision='round_trip')
        return d['id'].to_numpy(), d['ra'].to_numpy(), d['dec'].to_numpy()
except ImportError:
    READER = 'numpy.loadtxt'

    def read(path):
        ids = np.loadtxt(path, delimiter=',', skiprows=1, usecols=0, dtype=str)
        pos = np.loadtxt(path, delimiter=',', skiprows=1, usecols=(1, 2), dtype=np.float64)
        return ids, pos[:, 0], pos[:, 1]

cat_path, src_path, radius, out_path = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
t1 = time.perf_counter()
cid, cra, cdec = read(cat_path)
sid, sra, sdec = read(src_path)
t2 = time.perf_counter()
cat = SkyCoord(ra=cra * u.deg, dec=cdec * u.deg)
src = SkyCoord(ra=sra * u.deg, dec=sdec * u.deg)
icat, isrc, sep, _ = src.search_around_sky(cat, radius * u.arcsec)
t3 = time.perf_counter()
sep_arcsec = sep.arcsec
# Source ids are integers here: sort numerically, then by separation (skyjoin's order).
order = np.lexsort((sep_arcsec, sid[isrc].astype(np.int64)))
with open(out_path, 'w') as f:
    f.write('source_id,catalog_id,sep_arcsec\n')
    f.writelines(f'{sid[isrc[k]]},{cid[icat[k]]},{sep_arcsec[k]:.6f}\n' for k in order)
t4 = time.perf_counter()
json.dump({'reader': READER, 'imports': t1 - t0, 'read': t2 - t1, 'match': t3 - t2, 'write': t4 - t3, 'pairs': int(len(order))}, sys.stderr)
sys.stderr.write('\n')
