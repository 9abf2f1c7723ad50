"""Places from their own data: a documented set of files for any health and care system.

``python -m sim.place init DIR`` writes the files with an example and a README;
``python -m sim.place export NAME DIR`` writes an existing place in the same form;
``python -m sim.place build DIR --name NAME [--out CONFIGS]`` checks them and writes the place, rates
and capacity configs.  The files are described in :mod:`sim.place.template`, read and checked by
:mod:`sim.place.reader`, written as configs by :mod:`sim.place.writer` and :mod:`sim.place.build`;
services the files leave without places are sized by :mod:`sim.place.sizing`, which also sizes the
demand-led places (``python -m sim.size``).
"""
