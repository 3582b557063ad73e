"""OWSLib, the Python OGC client, walks the service as a GIS script would:
landing page, API definition, conformance, collections, items with bbox and
limit, one item, queryables. Counts are checked against the service's own
answer to the same request."""

import requests
from owslib.ogcapi.features import Features

BBOX = [10.20, 59.72, 10.26, 59.76]


def test_landing_page_and_api_definition(base):
    features = Features(base)
    rels = {link["rel"] for link in features.links}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels
    api = features.api()
    # OWSLib takes the service-desc of type application/vnd.oai.openapi+json;version=3.0.
    assert api["openapi"] == "3.0.3"
    assert "/collections/plots/items" in api["paths"]
    assert api["paths"]["/collections/plots/items"]["get"]["operationId"]


def test_conformance(base):
    classes = Features(base).conformance()["conformsTo"]
    for c in ("core", "geojson", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{c}" in classes


def test_collections_and_one_collection(base):
    features = Features(base)
    ids = [c["id"] for c in features.collections()["collections"]]
    assert ids == ["plots"]
    assert features.feature_collections() == ["plots"]
    plots = features.collection("plots")
    assert plots["id"] == "plots"
    assert plots["itemType"] == "feature"
    west, south, east, north = plots["extent"]["spatial"]["bbox"][0]
    assert west < east and south < north


def test_items_with_bbox_and_limit_match_the_service(base):
    features = Features(base)
    items = features.collection_items("plots", bbox=BBOX, limit=3)
    direct = requests.get(
        f"{base}/collections/plots/items",
        params={"bbox": ",".join(map(str, BBOX)), "limit": 1000},
        timeout=30,
    ).json()
    in_bbox = len(direct["features"])
    assert in_bbox > 3, "the demo has more than 3 plots around Holmen"
    assert items["type"] == "FeatureCollection"
    assert items["numberReturned"] == len(items["features"]) == 3
    assert items["numberMatched"] == in_bbox
    ids = {f["id"] for f in direct["features"]}
    assert {f["id"] for f in items["features"]} <= ids
    # Every page's plot intersects the bbox: its coordinates' box meets it.
    for feature in items["features"]:
        lons = [p[0] for poly in feature["geometry"]["coordinates"] for ring in poly for p in ring]
        lats = [p[1] for poly in feature["geometry"]["coordinates"] for ring in poly for p in ring]
        assert min(lons) <= BBOX[2] and max(lons) >= BBOX[0]
        assert min(lats) <= BBOX[3] and max(lats) >= BBOX[1]
    # The whole collection is larger than the bbox's share of it.
    everything = features.collection_items("plots", limit=1000)
    assert everything["numberReturned"] > in_bbox


def test_one_item(base):
    features = Features(base)
    first = features.collection_items("plots", limit=1)["features"][0]
    item = features.collection_item("plots", first["id"])
    assert item["type"] == "Feature"
    assert item["id"] == first["id"]
    assert item["properties"]["reference"] == first["properties"]["reference"]
    assert item["geometry"]["type"] == "MultiPolygon"


def test_queryables(base):
    queryables = Features(base).collection_queryables("plots")
    properties = queryables["properties"]
    for name in ("geometry", "reference", "land_use", "area_m2", "status"):
        assert name in properties, name
    direct = requests.get(f"{base}/collections/plots/queryables", timeout=30).json()
    assert sorted(properties) == sorted(direct["properties"])
