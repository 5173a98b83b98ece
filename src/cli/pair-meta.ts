// Units, UCDs and descriptions of the pair columns xmatch writes (FITS TUNIT,
// VOTable FIELD unit/ucd), and which hold ids.

import type { TableMeta } from '../catalog/table-formats.js';

export const PAIR_META: TableMeta = {
  units: { sep_arcsec: 'arcsec' },
  ucds: {
    source_id: 'meta.id', catalog_id: 'meta.id.cross', sep_arcsec: 'pos.angDistance',
    sigma_sep: 'stat.value', bayes_factor: 'stat.likelihood', probability: 'stat.probability',
  },
  descriptions: {
    source_id: 'Source id, as read', catalog_id: 'Catalog row id, as read', sep_arcsec: 'Angular separation (at the sources\' epoch when the catalog moves)',
    sigma_sep: 'Separation in units of the combined positional error (Mahalanobis distance)',
    bayes_factor: 'Bayes factor of the association (Budavari & Szalay 2008)', probability: 'Posterior probability of the association',
  },
  integerColumns: ['source_id', 'catalog_id'],
  description: 'skyjoin xmatch pairs',
};
