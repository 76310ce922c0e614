"""Coordinate conversions against published test vectors, and exact round trips."""

import itertools

import pytest

from fieldcrm.lib import coords

# wandergis/coordtransform test/app.js (same constants: a = 6378245.0, ee = 0.00669342162296594323).
COORDTRANSFORM = {
    "wgs84_to_gcj02": ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    "gcj02_to_bd09": ((116.404, 39.915), (116.41036949371029, 39.92133699351021)),
}
# Its bd09togcj02(116.404, 39.915), from the one-step inverse formula.
BD09_ONE_STEP = (116.39762729119315, 39.90865673957631)
# googollee/eviltransform python test: (wgs lon, wgs lat) → (gcj lon, gcj lat).
EVILTRANSFORM = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]
# A grid over the contract's China box, including its corners.
GRID = list(itertools.product([73.5, 87.6, 100.0, 116.9372, 121.47, 135.9], [3.5, 18.2, 34.7216, 45.8, 53.9]))


def close(a, b, tol):
    return abs(a[0] - b[0]) < tol and abs(a[1] - b[1]) < tol


@pytest.mark.parametrize("name", sorted(COORDTRANSFORM))
def test_coordtransform_vectors(name):
    source, expected = COORDTRANSFORM[name]
    assert close(getattr(coords, name)(*source), expected, 1e-9)


@pytest.mark.parametrize("wgs,gcj", EVILTRANSFORM)
def test_eviltransform_vectors_both_ways(wgs, gcj):
    assert close(coords.wgs84_to_gcj02(*wgs), gcj, 1e-9)
    assert close(coords.gcj02_to_wgs84(*gcj), wgs, 1e-7)


def test_bd09_inverse_refines_the_one_step_formula():
    gcj = coords.bd09_to_gcj02(116.404, 39.915)
    assert close(gcj, BD09_ONE_STEP, 3e-6)
    assert close(coords.gcj02_to_bd09(*gcj), (116.404, 39.915), 1e-9)


def test_inverse_is_exact_not_the_one_step_approximation():
    # coordtransform's one-step gcj02towgs84(116.404, 39.915) is (116.39775550083061, 39.91359571849836),
    # about 5e-7° off; the iterated inverse lands where the forward formula maps back exactly.
    wgs = coords.gcj02_to_wgs84(116.404, 39.915)
    assert close(coords.wgs84_to_gcj02(*wgs), (116.404, 39.915), 1e-9)
    assert close(wgs, (116.39775550083061, 39.91359571849836), 2e-6)
    assert not close(wgs, (116.39775550083061, 39.91359571849836), 1e-7)


@pytest.mark.parametrize("lon,lat", GRID)
def test_round_trips_stay_under_a_microdegree(lon, lat):
    assert close(coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat)), (lon, lat), 1e-8)
    assert close(coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat)), (lon, lat), 1e-8)
    assert close(coords.gcj02_to_bd09(*coords.bd09_to_gcj02(lon, lat)), (lon, lat), 1e-8)
    assert close(coords.bd09_to_gcj02(*coords.gcj02_to_bd09(lon, lat)), (lon, lat), 1e-8)
    for system in coords.SYSTEMS:
        assert close(coords.to_wgs84(*coords.from_wgs84(lon, lat, system), system), (lon, lat), 1e-6)


def test_offsets_are_the_few_hundred_metres_maps_show():
    lon, lat = 116.9372, 34.7216  # Peixian, Xuzhou
    gcj = coords.wgs84_to_gcj02(lon, lat)
    bd = coords.wgs84_to_bd09(lon, lat)
    assert 0.2 < coords.haversine_km(lat, lon, gcj[1], gcj[0]) < 0.8
    assert 0.5 < coords.haversine_km(lat, lon, bd[1], bd[0]) < 1.5


def test_to_wgs84_dispatch():
    assert coords.to_wgs84(116.4, 39.9, "WGS84") == (116.4, 39.9)
    assert coords.to_wgs84(116.404, 39.915, "GCJ02") == coords.gcj02_to_wgs84(116.404, 39.915)
    assert coords.to_wgs84(116.404, 39.915, "BD09") == coords.gcj02_to_wgs84(
        *coords.bd09_to_gcj02(116.404, 39.915)
    )
    with pytest.raises(ValueError):
        coords.to_wgs84(116.4, 39.9, "MARS")


@pytest.mark.parametrize(
    "lon,lat,inside",
    [
        (116.4, 39.9, True),
        (73, 3, True),
        (136, 54, True),
        (72.99, 30, False),
        (136.01, 30, False),
        (100, 2.99, False),
        (100, 54.01, False),
        (39.9, 116.4, False),
        (0, 0, False),
        (-116.4, 39.9, False),
    ],
)
def test_china_box(lon, lat, inside):
    assert coords.in_china_box(lon, lat) is inside


def test_haversine():
    assert coords.haversine_km(39.9, 116.4, 39.9, 116.4) == 0
    assert coords.haversine_km(30, 120, 31, 120) == pytest.approx(111.2, abs=0.1)
    # Tiananmen → People's Square, Shanghai: about 1,068 km.
    assert coords.haversine_km(39.9087, 116.3975, 31.2304, 121.4737) == pytest.approx(1068, abs=5)
    assert coords.haversine_km(0, 0, 0, 180) == pytest.approx(20015, abs=2)
