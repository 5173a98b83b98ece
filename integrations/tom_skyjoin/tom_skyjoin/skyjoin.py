"""skyjoin broker module for the TOM Toolkit.

Queries a `skyjoin serve` REST API (objects, light curves, alerts, watch-list
hits) from a TOM's broker pages, as the maintained broker modules (tom_fink,
tom_alerce, tom_lasair) do for theirs:

- a query form: an object id or survey alias, or a cone, or a watch list's
  hits; a time window (MJD TAI or days back) and a limit;
- ``fetch_alerts`` calls the REST API with the key from settings;
- ``to_generic_alert`` / ``to_target`` make a Target named by the survey id,
  with skyjoin's object id and the other survey ids as aliases;
- ``process_reduced_data`` stores the object's light curve from skyjoin
  (detections and upper limits) as the target's photometry.

Settings (``settings.py``)::

    TOM_ALERT_CLASSES = [..., 'tom_skyjoin.skyjoin.SkyjoinBroker']
    BROKERS = {'skyjoin': {'url': 'https://broker.example.org', 'api_key': '...'}}

or the environment variables SKYJOIN_URL and SKYJOIN_API_KEY.
"""

import os
from dataclasses import dataclass
from datetime import timezone

import requests
from astropy.time import Time
from crispy_forms.layout import Column, Fieldset, HTML, Layout, Row
from django import forms
from django.conf import settings

from tom_alerts.alerts import GenericAlert, GenericBroker, GenericQueryForm
from tom_dataproducts.models import ReducedDatum
from tom_targets.models import Target

BROKER_NAME = 'skyjoin'
TELESCOPES = {'ztf': 'ZTF', 'lsst': 'Rubin'}
TIMEOUT_S = 30


class SkyjoinError(Exception):
    """The skyjoin service answered with an error (its message names the field)."""


def _config():
    conf = getattr(settings, 'BROKERS', {}).get(BROKER_NAME, {})
    url = conf.get('url') or os.environ.get('SKYJOIN_URL') or 'http://127.0.0.1:8080'
    key = conf.get('api_key') or os.environ.get('SKYJOIN_API_KEY')
    return url.rstrip('/'), key


def _get(path, params=None):
    """GET a path of the skyjoin API as JSON, with the configured key."""
    url, key = _config()
    headers = {'Accept': 'application/json'}
    if key:
        headers['Authorization'] = f'Bearer {key}'
    r = requests.get(f'{url}{path}', params=params, headers=headers, timeout=TIMEOUT_S)
    if r.status_code >= 400:
        try:
            message = r.json().get('message', r.text)
        except ValueError:
            message = r.text
        raise SkyjoinError(f'skyjoin {r.status_code}: {message}')
    return r.json()


def mjd_tai_to_datetime(mjd_tai):
    """skyjoin's times (MJD TAI) as an aware UTC datetime."""
    return Time(mjd_tai, format='mjd', scale='tai').utc.to_datetime(timezone=timezone.utc)


def _survey_name(aliases, object_id):
    """The target name: the first survey id ('ztf:ZTF21abiuvdk' -> 'ZTF21abiuvdk'), else skyjoin-<id>."""
    for a in sorted(aliases or []):
        if ':' in a:
            return a.split(':', 1)[1]
    return f'skyjoin-{object_id}'


class SkyjoinQueryForm(GenericQueryForm):
    object = forms.CharField(
        required=False, label='Object id or alias',
        help_text="skyjoin's object id, or a survey id such as ZTF21abiuvdk")
    ra = forms.FloatField(required=False, label='RA (deg)', min_value=0, max_value=360)
    dec = forms.FloatField(required=False, label='Dec (deg)', min_value=-90, max_value=90)
    radius_arcsec = forms.FloatField(required=False, label='Radius (arcsec)', min_value=0.001, initial=5)
    watchlist = forms.CharField(
        required=False, label='Watch list id',
        help_text="the hits of one of your watch lists (needs the API key in settings)")
    mjd_min = forms.FloatField(required=False, label='From (MJD TAI)')
    mjd_max = forms.FloatField(required=False, label='Until (MJD TAI)')
    days_back = forms.FloatField(required=False, min_value=0, label='Or: the last N days')
    limit = forms.IntegerField(required=False, min_value=1, max_value=1000, initial=100, label='Most alerts')

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            HTML('<p>Query a skyjoin broker: an object (id or survey alias), a cone, '
                 'or a watch list\'s hits.</p>'),
            self.common_layout,
            Fieldset('Object', 'object'),
            Fieldset('Cone', Row(Column('ra'), Column('dec'), Column('radius_arcsec'))),
            Fieldset('Watch list', 'watchlist'),
            Fieldset('Time window and limit', Row(Column('mjd_min'), Column('mjd_max'), Column('days_back')), 'limit'),
        )

    def clean(self):
        data = super().clean()
        cone = [data.get(k) is not None for k in ('ra', 'dec')]
        kinds = sum([bool(data.get('object')), all(cone), bool(data.get('watchlist'))])
        if any(cone) and not all(cone):
            raise forms.ValidationError('A cone needs both RA and Dec.')
        if kinds != 1:
            raise forms.ValidationError('Give one of: an object id or alias, a cone (RA, Dec, radius), or a watch list id.')
        return data


@dataclass
class SkyjoinAlert(GenericAlert):
    """A GenericAlert whose target carries skyjoin's object id and the survey ids as aliases."""
    object_id: str = ''
    aliases: tuple = ()

    def to_target(self):
        target = Target(name=self.name, type='SIDEREAL', ra=self.ra, dec=self.dec, epoch=2000)
        names = [a.split(':', 1)[1] if ':' in a else a for a in self.aliases]
        names = [n for n in dict.fromkeys(names + [f'skyjoin-{self.object_id}']) if n != self.name]
        return target, {'skyjoin_object_id': self.object_id}, names


class SkyjoinBroker(GenericBroker):
    name = BROKER_NAME
    form = SkyjoinQueryForm
    score_description = 'Separation from the cone centre or watch-list target, arcsec (0 for an object query)'

    # --- queries -----------------------------------------------------------
    def fetch_alerts(self, parameters):
        p = parameters
        window = self._window(p)
        limit = int(p.get('limit') or 100)
        if p.get('watchlist'):
            alerts = self._watchlist_alerts(p['watchlist'], window)
        elif p.get('object'):
            alerts = self._object_alerts(str(p['object']).strip(), window)
        else:
            alerts = self._cone_alerts(float(p['ra']), float(p['dec']), float(p.get('radius_arcsec') or 5), window)
        alerts.sort(key=lambda a: -a['mjd_tai'])
        return iter(alerts[:limit])

    @staticmethod
    def _window(p):
        lo, hi = p.get('mjd_min'), p.get('mjd_max')
        if p.get('days_back') not in (None, ''):
            lo = Time.now().tai.mjd - float(p['days_back'])
        return (float(lo) if lo not in (None, '') else -1e9, float(hi) if hi not in (None, '') else 1e9)

    def _object_ids(self, text):
        if text.isdigit():
            return [text]
        return [o['object_id'] for o in _get('/v1/objects', {'alias': text})['objects']]

    def _object_alerts(self, text, window, latest_only=False, score=0.0):
        """Every alert of the object(s) in the time window (from their light curves)."""
        out = []
        for object_id in self._object_ids(text):
            obj = _get(f'/v1/objects/{object_id}')
            lc = _get(f'/v1/objects/{object_id}/lightcurve')
            dets = [d for b in lc['bands'].values() for d in b['detections']
                    if d['from'] == 'alert' and window[0] <= d['mjd_tai'] <= window[1]]
            if latest_only and dets:
                dets = [max(dets, key=lambda d: d['mjd_tai'])]
            for d in dets:
                out.append(self._alert(obj, d, score))
        return out

    def _cone_alerts(self, ra, dec, radius, window):
        """The latest alert (in the window) of each object in the cone."""
        found = _get('/v1/objects', {'ra': ra, 'dec': dec, 'radius_arcsec': radius})
        out = []
        for o in found['objects']:
            out += self._object_alerts(o['object_id'], window, latest_only=True, score=o['sep_arcsec'])
        return out

    def _watchlist_alerts(self, watchlist, window):
        out, cursor = [], None
        objects = {}
        while True:
            params = {'limit': 1000}
            if cursor:
                params['cursor'] = cursor
            page = _get(f'/v1/watchlists/{watchlist}/hits', params)
            for h in page['hits']:
                if h['object_id'] not in objects:
                    objects[h['object_id']] = _get(f"/v1/objects/{h['object_id']}")
                obj = objects[h['object_id']]
                alert = self._alert(obj, None, h['sep_arcsec'] or 0.0, hit=h)
                if window[0] <= alert['mjd_tai'] <= window[1]:
                    out.append(alert)
            cursor = page.get('next')
            if not cursor:
                return out

    @staticmethod
    def _alert(obj, d, score, hit=None):
        """One alert as this module keeps it (a plain, picklable dict)."""
        if hit is not None:
            # A hit's mjd is in the survey's own scale (ZTF: UTC): to TAI like the light curves.
            scale = 'tai' if hit.get('survey') == 'lsst' else 'utc'
            d = {'alert_id': hit['alert_id'], 'mjd_tai': Time(hit['mjd'], format='mjd', scale=scale).tai.mjd,
                 'band': hit.get('band'), 'mag': hit.get('mag'), 'mag_err': hit.get('mag_err'),
                 'ra': hit['ra'], 'dec': hit['dec'], 'survey': hit.get('survey')}
        return {
            'alert_id': str(d['alert_id']), 'object_id': obj['object_id'], 'aliases': list(obj['aliases']),
            'name': _survey_name(obj['aliases'], obj['object_id']),
            'ra': obj['ra'], 'dec': obj['dec'], 'alert_ra': d['ra'], 'alert_dec': d['dec'],
            'mjd_tai': d['mjd_tai'], 'band': d.get('band'), 'mag': d.get('mag'), 'mag_err': d.get('mag_err'),
            'survey': d.get('survey'), 'score': float(score or 0.0),
            'url': obj['links']['portal'], 'object_url': obj['links']['self'],
        }

    def fetch_alert(self, alert_id):
        a = _get(f'/v1/alerts/{alert_id}')
        obj = _get(f"/v1/objects/{a['object_id']}")
        return self._alert(obj, a, 0.0)

    # --- TOM objects -------------------------------------------------------
    def to_generic_alert(self, alert):
        return SkyjoinAlert(
            timestamp=mjd_tai_to_datetime(alert['mjd_tai']), id=int(alert['alert_id']), name=alert['name'],
            ra=alert['ra'], dec=alert['dec'], mag=alert['mag'], score=alert['score'], url=alert['url'],
            object_id=alert['object_id'], aliases=tuple(alert['aliases']),
        )

    def to_target(self, alert):
        target, extras, names = self.to_generic_alert(alert).to_target()
        target.save(extras=extras, names=names)
        return target

    def process_reduced_data(self, target, alert=None):
        """The object's skyjoin light curve as the target's photometry (detections and upper limits)."""
        object_id = alert['object_id'] if alert else target.targetextra_set.get(key='skyjoin_object_id').value
        path = f'/v1/objects/{object_id}/lightcurve'
        lc = _get(path)
        url, _ = _config()
        source = f'{url}{path}'
        for band, curve in lc['bands'].items():
            for d in curve['detections']:
                if d['mag'] is None:
                    continue
                value = {'filter': band, 'magnitude': d['mag'], 'error': d['mag_err'],
                         'telescope': TELESCOPES.get(d['survey'], d['survey'])}
                ReducedDatum.objects.get_or_create(
                    timestamp=mjd_tai_to_datetime(d['mjd_tai']), value=value, source_name=BROKER_NAME,
                    source_location=source, data_type='photometry', target=target)
            for u in curve['upper_limits']:
                if u['limiting_mag'] is None:
                    continue
                value = {'filter': band, 'limit': u['limiting_mag'], 'telescope': TELESCOPES.get(u['survey'], u['survey'])}
                ReducedDatum.objects.get_or_create(
                    timestamp=mjd_tai_to_datetime(u['mjd_tai']), value=value, source_name=BROKER_NAME,
                    source_location=source, data_type='photometry', target=target)
