"""Coordinate systems used in China: WGS-84 (GPS, phones), GCJ-02 (AMap/Gaode, Tencent) and BD-09 (Baidu).

All functions take and return (longitude, latitude) in degrees, longitude first like the map APIs.
The GCJ-02 offset is the widely published reverse-engineered formula (Krasovsky ellipsoid constants);
it has no closed-form inverse, so GCJ-02 → WGS-84 (and BD-09 → GCJ-02) are solved by fixed-point
iteration: round trips agree to better than 1e-8°.
"""

import math

A = 6378245.0  # semi-major axis the GCJ-02 formula uses (Krasovsky 1940)
EE = 0.00669342162296594323  # its first eccentricity squared
X_PI = math.pi * 3000.0 / 180.0  # BD-09's extra rotation constant
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

# The contract's "inside China" box (docs/import-formats.md): generous, catches swapped or foreign points.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

SYSTEMS = ("WGS84", "GCJ02", "BD09")


def in_china_box(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(lon: float, lat: float) -> tuple[float, float]:
    """The (dlon, dlat) GCJ-02 adds to a WGS-84 point."""
    dlat = _offset_lat(lon - 105.0, lat - 35.0)
    dlon = _offset_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float, tolerance: float = 1e-9) -> tuple[float, float]:
    """Exact inverse: iterate w ← g − delta(w) until it stops moving (a few steps; the offset is smooth)."""
    wlon, wlat = lon, lat
    for _ in range(30):
        dlon, dlat = _gcj_delta(wlon, wlat)
        nlon, nlat = lon - dlon, lat - dlat
        done = abs(nlon - wlon) < tolerance and abs(nlat - wlat) < tolerance
        wlon, wlat = nlon, nlat
        if done:
            break
    return wlon, wlat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float, tolerance: float = 1e-9) -> tuple[float, float]:
    """Inverse of gcj02_to_bd09. The published one-step inverse is off by up to ~2e-6°, so it is only the
    first guess; a few corrections g ← g + (bd − forward(g)) make the round trip exact."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    glon, glat = z * math.cos(theta), z * math.sin(theta)
    for _ in range(10):
        blon, blat = gcj02_to_bd09(glon, glat)
        dlon, dlat = lon - blon, lat - blat
        glon, glat = glon + dlon, glat + dlat
        if abs(dlon) < tolerance and abs(dlat) < tolerance:
            break
    return glon, glat


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, system: str) -> tuple[float, float]:
    """Convert from `system` ("WGS84", "GCJ02" or "BD09") to WGS-84; ValueError for another system."""
    if system == "WGS84":
        return lon, lat
    if system == "GCJ02":
        return gcj02_to_wgs84(lon, lat)
    if system == "BD09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {system!r}")


def from_wgs84(lon: float, lat: float, system: str) -> tuple[float, float]:
    """WGS-84 to `system`, e.g. to draw a stored point on a Chinese web map."""
    if system == "WGS84":
        return lon, lat
    if system == "GCJ02":
        return wgs84_to_gcj02(lon, lat)
    if system == "BD09":
        return wgs84_to_bd09(lon, lat)
    raise ValueError(f"unknown coordinate system {system!r}")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (note: latitude first, unlike the converters)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
