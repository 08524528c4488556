"""Where the sun stands for a clock time, a date, a latitude and a vehicle heading.

Declination from Cooper's formula (Cooper 1969; its error is under about a
degree over the year) and the hour angle of local solar time, so no equation of
time is needed; refraction near the horizon is ignored. Checked in
tests/test_solar.py against noon elevations and equinox sunrise by hand.
"""

import math


def sun_position(time_of_day_h: float, day_of_year: float, latitude_deg: float) -> tuple[float, float]:
    """(elevation, compass azimuth clockwise from north), degrees, at local solar time."""
    declination = math.radians(23.44) * math.sin(2.0 * math.pi * (284.0 + day_of_year) / 365.0)
    hour_angle = math.radians(15.0 * (time_of_day_h - 12.0))
    lat = math.radians(latitude_deg)
    sin_el = math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(declination) * math.cos(hour_angle)
    elevation = math.asin(max(-1.0, min(1.0, sin_el)))
    azimuth = math.atan2(-math.sin(hour_angle),
                         math.tan(declination) * math.cos(lat) - math.sin(lat) * math.cos(hour_angle))
    return math.degrees(elevation), math.degrees(azimuth) % 360.0


def sun_in_vehicle(time_of_day_h: float, day_of_year: float, latitude_deg: float,
                   heading_deg: float) -> tuple[float, float]:
    """(elevation, azimuth) of the sun as the presets use them: azimuth 0 = ahead of
    the vehicle, 90 = to its left. `heading_deg`: the direction of travel, clockwise
    from north."""
    elevation, compass = sun_position(time_of_day_h, day_of_year, latitude_deg)
    return elevation, (heading_deg - compass + 180.0) % 360.0 - 180.0
