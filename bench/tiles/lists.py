"""Tile lists for bench/tiles.sh, written into the folder given:

z14.txt / z14-martin.txt   the z14 tiles covering Drammen (10.10-10.30 E, 59.70-59.80 N)
z12.txt / z12-martin.txt   the z12 Drammen tile
walk.txt                   a pan/zoom walk: a map 4 tiles wide and 3 high, moved a
                           tile or zoomed in or out at random (fixed seed) between
                           z10 and z16, starting over Drammen at z12; each step
                           requests the map's tiles, as a web map does

The service's paths are /collections/plots/tiles/WebMercatorQuad/{z}/{row}/{col};
Martin's are /plots/{z}/{x}/{y}; tipg's /collections/bench.tile_plots/tiles/WebMercatorQuad/{z}/{x}/{y}
(the -martin and -tipg files).
"""
import math
import random
import sys

out = sys.argv[1]


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def ours(z, x, y):
    return f"/collections/plots/tiles/WebMercatorQuad/{z}/{y}/{x}"


def martins(z, x, y):
    return f"/plots/{z}/{x}/{y}"


def tipgs(z, x, y):
    return f"/collections/bench.tile_plots/tiles/WebMercatorQuad/{z}/{x}/{y}"


def write(name, tiles):
    for suffix, path in (("", ours), ("-martin", martins), ("-tipg", tipgs)):
        with open(f"{out}/{name}{suffix}.txt", "w") as f:
            f.writelines(path(*t) + "\n" for t in tiles)


(x0, y0), (x1, y1) = tile(10.10, 59.80, 14), tile(10.30, 59.70, 14)
write("z14", [(14, x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)])
write("z12", [(12, *tile(10.2, 59.74, 12))])

rng = random.Random(42)
z = 12
cx, cy = tile(10.2, 59.74, z)
walk = []
for _ in range(150):
    walk += [(z, x, y) for y in range(cy - 1, cy + 2) for x in range(cx - 2, cx + 2)]
    move = rng.random()
    if move < 0.15 and z < 16:
        z, cx, cy = z + 1, cx * 2 + rng.randint(0, 1), cy * 2 + rng.randint(0, 1)
    elif move < 0.30 and z > 10:
        z, cx, cy = z - 1, cx // 2, cy // 2
    else:
        cx += rng.choice((-1, 0, 1))
        cy += rng.choice((-1, 0, 1))
with open(f"{out}/walk.txt", "w") as f:
    f.writelines(ours(*t) + "\n" for t in walk)
