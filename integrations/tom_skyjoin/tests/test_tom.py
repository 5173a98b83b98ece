"""The skyjoin broker module in a real TOM (tom_base, SQLite), against a
running `skyjoin serve` (SKYJOIN_URL, SKYJOIN_API_KEY) that serves the data
folder of a stream run over the alerts of ZTF21abiuvdk. Driven through
Django's test client like a TOM user: the query form, running a query,
creating a target from an alert. SKYJOIN_WATCHLIST names a watch list of the
key with a target on the object.

Run from a TOM project: SKYJOIN_URL=... python manage.py test tests.test_tom
"""

import os
from datetime import timezone

import requests
from astropy.time import Time
from django.contrib.auth.models import User
from django.test import TestCase
from django.urls import reverse

from tom_alerts.models import BrokerQuery
from tom_dataproducts.models import ReducedDatum
from tom_targets.models import Target, TargetName

from tom_skyjoin.skyjoin import SkyjoinBroker, SkyjoinQueryForm

URL = os.environ['SKYJOIN_URL'].rstrip('/')
KEY = os.environ.get('SKYJOIN_API_KEY')


def api(path, **params):
    headers = {'Authorization': f'Bearer {KEY}'} if KEY else {}
    r = requests.get(f'{URL}{path}', params=params, headers=headers, timeout=30)
    r.raise_for_status()
    return r.json()


class SkyjoinBrokerTest(TestCase):
    def setUp(self):
        self.user = User.objects.create_user('observer', password='pw')
        self.client.force_login(self.user)
        self.object_id = api('/v1/objects', alias='ZTF21abiuvdk')['objects'][0]['object_id']
        self.lc = api(f'/v1/objects/{self.object_id}/lightcurve')
        self.alert_ids = sorted(d['alert_id'] for b in self.lc['bands'].values() for d in b['detections'] if d['from'] == 'alert')

    def query(self, name, **fields):
        """Creates a broker query through the form page, then runs it; returns (query, alerts shown)."""
        data = {'query_name': name, 'broker': 'skyjoin', **fields}
        r = self.client.post(f"{reverse('tom_alerts:create')}?broker=skyjoin", data)
        self.assertEqual(r.status_code, 302, r.content[:2000])
        q = BrokerQuery.objects.get(name=name)
        r = self.client.get(reverse('tom_alerts:run', kwargs={'pk': q.pk}))
        self.assertEqual(r.status_code, 200)
        return q, r.context['alerts']

    def test_form_refuses_an_empty_or_ambiguous_query(self):
        self.assertFalse(SkyjoinQueryForm({'query_name': 'x', 'broker': 'skyjoin'}).is_valid())
        both = SkyjoinQueryForm({'query_name': 'x', 'broker': 'skyjoin', 'object': 'ZTF21abiuvdk', 'ra': 1, 'dec': 2})
        self.assertFalse(both.is_valid())
        half = SkyjoinQueryForm({'query_name': 'x', 'broker': 'skyjoin', 'ra': 1})
        self.assertFalse(half.is_valid())

    def test_object_query_lists_every_alert_of_ZTF21abiuvdk(self):
        q, alerts = self.query('by alias', object='ZTF21abiuvdk', limit=100)
        page = os.environ.get('SKYJOIN_TOM_PAGE')
        if page:  # the results page as the TOM renders it, for a screenshot
            with open(page, 'wb') as f:
                f.write(self.client.get(reverse('tom_alerts:run', kwargs={'pk': q.pk})).content)
        self.assertEqual(sorted(str(a.id) for a in alerts), self.alert_ids)
        self.assertEqual({a.name for a in alerts}, {'ZTF21abiuvdk'})
        # Newest first, times from MJD TAI to UTC.
        newest = max((d for b in self.lc['bands'].values() for d in b['detections'] if d['from'] == 'alert'), key=lambda d: d['mjd_tai'])
        self.assertEqual(str(alerts[0].id), newest['alert_id'])
        want = Time(newest['mjd_tai'], format='mjd', scale='tai').utc.datetime
        self.assertLess(abs((alerts[0].timestamp.replace(tzinfo=None) - want).total_seconds()), 0.01)
        self.assertAlmostEqual(alerts[0].mag, newest['mag'], places=6)
        # A time window and a limit.
        t = sorted(d['mjd_tai'] for b in self.lc['bands'].values() for d in b['detections'] if d['from'] == 'alert')
        _, windowed = self.query('window', object='ZTF21abiuvdk', mjd_min=t[10], mjd_max=t[19])
        self.assertEqual(len(windowed), 10)
        _, limited = self.query('limit', object=self.object_id, limit=3)
        self.assertEqual(len(limited), 3)

    def test_cone_query_finds_it(self):
        o = api(f'/v1/objects/{self.object_id}')
        _, alerts = self.query('cone', ra=o['ra'], dec=o['dec'], radius_arcsec=10)
        self.assertEqual([a.name for a in alerts], ['ZTF21abiuvdk'])
        self.assertEqual(str(alerts[0].id), o['latest_alert_id'])
        self.assertLess(alerts[0].score, 1)
        _, none = self.query('empty cone', ra=(o['ra'] + 10) % 360, dec=o['dec'], radius_arcsec=10)
        self.assertEqual(list(none), [])

    def test_watchlist_query_lists_its_hits(self):
        wl = os.environ.get('SKYJOIN_WATCHLIST')
        if not wl:
            self.skipTest('no SKYJOIN_WATCHLIST')
        _, alerts = self.query('hits', watchlist=wl, limit=1000)
        self.assertEqual(sorted(str(a.id) for a in alerts), self.alert_ids)

    def test_target_from_an_alert_gets_the_skyjoin_light_curve_as_photometry(self):
        q, alerts = self.query('to target', object='ZTF21abiuvdk', limit=5)
        r = self.client.post(reverse('tom_alerts:create-target'), {'query_id': q.pk, 'broker': 'skyjoin', 'alerts': [alerts[0].id]})
        self.assertEqual(r.status_code, 302)
        target = Target.objects.get(name='ZTF21abiuvdk')
        o = api(f'/v1/objects/{self.object_id}')
        self.assertAlmostEqual(target.ra, o['ra'], places=9)
        self.assertAlmostEqual(target.dec, o['dec'], places=9)
        self.assertIn(f'skyjoin-{self.object_id}', list(TargetName.objects.filter(target=target).values_list('name', flat=True)))
        self.assertEqual(target.targetextra_set.get(key='skyjoin_object_id').value, self.object_id)
        # Photometry: each detection and upper limit of skyjoin's light curve, and nothing else.
        data = ReducedDatum.objects.filter(target=target, data_type='photometry')
        self.assertTrue(all(d.source_name == 'skyjoin' for d in data))
        self.assertTrue(all(d.source_location == f'{URL}/v1/objects/{self.object_id}/lightcurve' for d in data))
        utc = lambda mjd_tai: round(Time(mjd_tai, format='mjd', scale='tai').utc.to_datetime(timezone=timezone.utc).timestamp(), 3)  # noqa: E731
        got = sorted((round(d.timestamp.timestamp(), 3), d.value['filter'], d.value.get('magnitude'), d.value.get('limit')) for d in data)
        want = sorted(
            [(utc(d['mjd_tai']), band, d['mag'], None) for band, c in self.lc['bands'].items() for d in c['detections']]
            + [(utc(u['mjd_tai']), band, None, u['limiting_mag']) for band, c in self.lc['bands'].items() for u in c['upper_limits']])
        self.assertEqual(got, want)
        n_det = sum(len(c['detections']) for c in self.lc['bands'].values())
        self.assertEqual(sum(1 for g in got if g[2] is not None), n_det)
        # Creating it again from another alert is refused by the TOM (same name), no second photometry.
        self.client.post(reverse('tom_alerts:create-target'), {'query_id': q.pk, 'broker': 'skyjoin', 'alerts': [alerts[1].id]})
        self.assertEqual(Target.objects.filter(name='ZTF21abiuvdk').count(), 1)
        self.assertEqual(ReducedDatum.objects.filter(target=target).count(), len(want))

    def test_fetch_alert_and_to_target(self):
        broker = SkyjoinBroker()
        full = broker.fetch_alert(self.alert_ids[0])
        self.assertEqual(full['name'], 'ZTF21abiuvdk')
        self.assertEqual(full['alert_id'], self.alert_ids[0])
        target = broker.to_target(full)
        self.assertEqual(Target.objects.get(pk=target.pk).name, 'ZTF21abiuvdk')
