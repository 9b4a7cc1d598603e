"""The bad-roast regions and the domain grid, against DESIGN §1's table written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from model.data import REGION_BY_KEY, domain_grid

# (key, inside on the edge?, a reading on the edge, one just inside, one just outside)
EDGES = [
    ("temperature_too_low", True, (175.0, 13.0), (174.99, 13.0), (175.01, 13.0)),  # t <= 175
    ("duration_too_short", True, (200.0, 12.0), (200.0, 11.99), (200.0, 12.01)),  # d <= 12
    ("too_hot_for_too_long", False, (255.0, 12.0), (255.0, 12.01), (255.0, 11.99)),  # d > 21 - 3t/85
    ("temperature_too_high", True, (260.0, 13.0), (260.01, 13.0), (259.99, 13.0)),  # t >= 260
    ("duration_too_long", True, (200.0, 15.0), (200.0, 15.01), (200.0, 14.99)),  # d >= 15
]


@pytest.mark.parametrize(("key", "edge_inside", "edge", "inside", "outside"), EDGES)
def test_each_region_is_its_half_plane_edge_included_or_not(key, edge_inside, edge, inside, outside):
    region = REGION_BY_KEY[key]
    t, d = np.array([edge[0], inside[0], outside[0]]), np.array([edge[1], inside[1], outside[1]])
    assert region.contains(t, d).tolist() == [edge_inside, True, False]


def test_the_domain_grid_is_every_pair_of_the_training_ranges_temperature_fastest():
    t, d = domain_grid(3)
    assert t.tolist() == [150.0, 217.5, 285.0] * 3
    assert d.tolist() == [11.5] * 3 + [13.5] * 3 + [15.5] * 3
    t, d = domain_grid()
    assert t.shape == d.shape == (200 * 200,)
    assert (t.min(), t.max(), d.min(), d.max()) == (150.0, 285.0, 11.5, 15.5)
    assert len(np.unique(t)) == len(np.unique(d)) == 200
