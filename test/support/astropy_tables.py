"""Fixtures and checks for test/catalog/fits-votable.test.ts, run with
Debian's /usr/bin/python3 (python3-astropy).

  write DIR   writes DIR/astropy.fits (unsigned 64-bit ids past 2^63, masked
              values, scaled and unsigned integer columns, units) and
              DIR/astropy-td.vot, DIR/astropy-b2.vot (signed ids past 2^53,
              masked values, UCDs, non-ASCII text) and prints their values as
              JSON: {"fits": {...}, "vot": {...}}
  read FILE   prints the columns of FILE (FITS or VOTable) as JSON: ids and
              integers as strings (exact), floats as repr, masked as null
"""
import json
import sys
import warnings

warnings.simplefilter('ignore')
import numpy as np
from astropy.io import fits
from astropy.io.votable import from_table, parse_single_table
from astropy.table import MaskedColumn, Table


def cell(v, masked):
    if masked:
        return None
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode('utf8')
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.floating, float)):
        return None if np.isnan(v) else repr(float(v))
    return str(v)


def dump(t):
    out = {}
    for name in t.colnames:
        col = t[name]
        mask = getattr(col, 'mask', None)
        out[name] = [cell(col[i], bool(mask[i]) if mask is not None and np.ndim(mask) else False) for i in range(len(t))]
    return out


def table():
    n = 5
    t = Table()
    t['id'] = np.array([2**63 + 5, 9007199254740993, 1, 2**64 - 1, 42], dtype=np.uint64)
    t['ra'] = np.array([0.0, 359.99999999999994, 123.456789012345678, 10.5, 200.25])
    t['ra'].unit = 'deg'
    t['dec'] = np.array([-90.0, 89.99999999, 0.1 + 0.2, -45.123456789, 12.0])
    t['dec'].unit = 'deg'
    t['mag'] = MaskedColumn(np.array([12.5, 0, 7.25, 1e-30, 3], dtype=np.float32), mask=[False, True, False, False, False], unit='mag')
    t['flag'] = np.array([True, False, True, True, False])
    t['name'] = np.array(['alpha', 'a<b & "c"', '', 'x' * 12, 'five'])
    t['count'] = MaskedColumn(np.array([1, -2, 3, 2147483647, -2147483647], dtype=np.int32), mask=[False, False, True, False, False])
    t['u16'] = np.array([0, 65535, 32768, 1, 2], dtype=np.uint16)
    t['big'] = np.array([-(2**63), 2**63 - 1, 0, 2**53 + 1, -5], dtype=np.int64)
    return t


if sys.argv[1] == 'write':
    d = sys.argv[2]
    t = table()
    # With a column of raw int32 values scaled by TSCAL = 0.5, TZERO = 100,
    # whose cards are put into the header by hand (astropy then applies them on read).
    ft = t.copy()
    ft['scaled'] = np.array([0, 3, -2, 1, -200], dtype=np.int32)
    ft.write(f'{d}/astropy.fits', overwrite=True)
    raw = bytearray(open(f'{d}/astropy.fits', 'rb').read())
    k = ft.colnames.index('scaled') + 1
    start = 2880
    end = raw.index(b'END' + b' ' * 77, start)
    cards = (f'TSCAL{k}'.ljust(8) + '= ' + '0.5'.rjust(20)).ljust(80) + (f'TZERO{k}'.ljust(8) + '= ' + '100.0'.rjust(20)).ljust(80)
    assert raw[end + 80:end + 240] == b' ' * 160
    raw[end:end + 240] = (cards + 'END'.ljust(80)).encode('ascii')
    open(f'{d}/astropy.fits', 'wb').write(raw)
    vt = t.copy()
    # VOTable has no unsigned long: signed ids past 2^53 instead.
    vt['id'] = np.array([2**62 + 5, 9007199254740993, 1, 2**63 - 1, 42], dtype=np.int64)
    vt['u16'] = vt['u16'].astype(np.int32)
    vt['uname'] = np.array(['β Cyg', 'ok', 'ünï', 'x', ''])
    for fmt in ('tabledata', 'binary2'):
        vo = from_table(vt)
        field = vo.get_first_table().fields
        for f in field:
            if f.name == 'ra':
                f.ucd = 'pos.eq.ra;meta.main'
            if f.name == 'dec':
                f.ucd = 'pos.eq.dec;meta.main'
            if f.name == 'count':
                f.values.null = -999
        vo.to_xml(f'{d}/astropy-{"td" if fmt == "tabledata" else "b2"}.vot', tabledata_format=fmt)
    fo = dump(t)
    fo['scaled'] = [repr(x) for x in [100.0, 101.5, 99.0, 100.5, 0.0]]
    json.dump({'fits': fo, 'vot': dump(vt)}, sys.stdout)
else:
    f = sys.argv[2]
    if f.endswith('.fits'):
        t = Table.read(f, hdu=1)
    else:
        t = parse_single_table(f).to_table()
    units = {n: (str(t[n].unit) if t[n].unit is not None else None) for n in t.colnames}
    ucds = {}
    if not f.endswith('.fits'):
        for fl in parse_single_table(f).fields:
            ucds[fl.name] = fl.ucd
    json.dump({'columns': dump(t), 'dtypes': {n: str(t[n].dtype) for n in t.colnames}, 'units': units, 'ucds': ucds}, sys.stdout)
