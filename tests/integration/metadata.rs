//! Landing page, conformance, collections, queryables and probes.

use crate::common::{TestDb, app_on, get, path_of};

fn rel<'a>(doc: &'a serde_json::Value, rel: &str) -> &'a serde_json::Value {
    doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
        .unwrap_or_else(|| panic!("no {rel} link in {doc}"))
}

#[actix_web::test]
async fn landing_page_links_everything_a_client_needs() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let landing = get(&app, "/").await.json();
    assert!(
        rel(&landing, "self")["href"]
            .as_str()
            .unwrap()
            .ends_with('/')
    );
    // Both API definitions, each with its exact media type; the 3.0 one
    // first (OGC API – Features Part 1 names it; OWSLib takes only it).
    let descs: Vec<(&str, &str)> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["rel"] == "service-desc")
        .map(|l| (l["type"].as_str().unwrap(), l["href"].as_str().unwrap()))
        .collect();
    assert_eq!(descs.len(), 2, "{descs:?}");
    assert_eq!(descs[0].0, "application/vnd.oai.openapi+json;version=3.0");
    assert!(descs[0].1.ends_with("/api/openapi-3.0.json"), "{descs:?}");
    assert_eq!(descs[1].0, "application/vnd.oai.openapi+json;version=3.1");
    assert!(descs[1].1.ends_with("/api"), "{descs:?}");
    for (media_type, href) in descs {
        let doc = get(&app, &path_of(href)).await;
        assert_eq!(doc.status, 200, "{href}");
        assert_eq!(doc.content_type(), media_type, "{href}");
        let version = media_type.rsplit_once('=').unwrap().1;
        assert!(
            doc.json()["openapi"].as_str().unwrap().starts_with(version),
            "{href}"
        );
    }
    assert_eq!(rel(&landing, "service-doc")["type"], "text/html");
    assert!(
        rel(&landing, "conformance")["href"]
            .as_str()
            .unwrap()
            .ends_with("/conformance")
    );
    assert!(
        rel(&landing, "data")["href"]
            .as_str()
            .unwrap()
            .ends_with("/collections")
    );
    let docs = get(&app, "/api.html").await;
    assert_eq!(docs.status, 200);
    assert!(docs.content_type().starts_with("text/html"));
}

#[actix_web::test]
async fn conformance_declares_what_works() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let conformance = get(&app, "/conformance").await.json();
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"));
    // The landing page links an OpenAPI 3.0 definition.
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"));
    assert!(
        classes.contains(
            &"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"
        )
    );
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update"));
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"));
    assert!(classes.contains(&"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"));
    assert!(
        !classes.iter().any(
            |c| c.ends_with("temporal-functions") || c.ends_with("case-insensitive-comparison")
        ),
        "only what works is declared"
    );
}

#[actix_web::test]
async fn the_collection_describes_itself_from_the_data() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let collections = get(&app, "/collections").await.json();
    assert_eq!(collections["collections"].as_array().unwrap().len(), 1);
    let plots = get(&app, "/collections/plots").await.json();
    assert_eq!(collections["collections"][0]["id"], plots["id"]);
    assert_eq!(plots["itemType"], "feature");
    assert_eq!(
        plots["storageCrs"],
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    );
    let bbox: Vec<f64> = plots["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_f64().unwrap())
        .collect();
    // The demo plots lie around Drammen.
    assert!(
        bbox[0] > 9.9 && bbox[2] < 10.6 && bbox[1] > 59.5 && bbox[3] < 59.9,
        "{bbox:?}"
    );
    assert!(plots["extent"]["temporal"]["interval"][0][1].is_string());
    assert_eq!(rel(&plots, "items")["type"], "application/geo+json");
    assert_eq!(
        rel(&plots, "http://www.opengis.net/def/rel/ogc/1.0/queryables")["type"],
        "application/schema+json"
    );
}

#[actix_web::test]
async fn the_schema_of_a_plot_types_every_property_it_has() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let collection = get(&app, "/collections/plots").await.json();
    let link = rel(&collection, "describedBy");
    assert_eq!(link["type"], "application/schema+json");
    let answer = get(&app, &path_of(link["href"].as_str().unwrap())).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/schema+json");
    let schema = answer.json();
    let typed = schema["properties"]["properties"]["properties"]
        .as_object()
        .unwrap()
        .clone();
    // Exactly the properties a plot is served with, each with a type.
    let plot = get(&app, "/collections/plots/items?limit=1").await.json();
    let served = plot["features"][0]["properties"].as_object().unwrap();
    let mut names: Vec<&String> = typed.keys().collect();
    let mut expected: Vec<&String> = served.keys().collect();
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
    for (name, property) in &typed {
        assert!(property["type"].is_string(), "{name}: {property}");
    }
    assert_eq!(typed["cadastral_units"]["type"], "array");
    assert_eq!(typed["cadastral_units"]["items"]["type"], "string");
    assert_eq!(typed["area_m2"]["type"], "number");
    assert_eq!(typed["land_use"]["type"], "integer");
    assert_eq!(typed["updated_at"]["format"], "date-time");
    assert_eq!(typed["available_from"]["format"], "date");
}

#[actix_web::test]
async fn queryables_list_the_filters_with_their_code_lists() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let answer = get(&app, "/collections/plots/queryables").await;
    assert_eq!(answer.content_type(), "application/schema+json");
    let schema = answer.json();
    assert_eq!(schema["type"], "object");
    let land_uses = schema["properties"]["land_use"]["enum"].as_array().unwrap();
    assert!(land_uses.contains(&serde_json::json!(1340)));
    assert_eq!(
        schema["properties"]["location_class"]["enum"],
        serde_json::json!(["A", "B", "C"])
    );
    // Every queryable has a type (CQL2 filters may name each one).
    for (name, property) in schema["properties"].as_object().unwrap() {
        assert!(
            name == "geometry" || property.get("type").is_some(),
            "{name} has no type"
        );
    }
    assert_eq!(schema["properties"]["area_m2"]["type"], "number");
    assert_eq!(schema["properties"]["available_from"]["format"], "date");
    // Every queryable with a code list is also a parameter of the items listing.
    for (name, property) in schema["properties"].as_object().unwrap() {
        if property.get("enum").is_none() {
            continue;
        }
        let answer = get(&app, &format!("/collections/plots/items?{name}=x")).await;
        let problem = answer.json();
        assert!(
            !problem["errors"][0]["reason"]
                .as_str()
                .unwrap_or("")
                .contains("not a parameter"),
            "{name} is queryable but not a parameter"
        );
    }
}

#[actix_web::test]
async fn probes_answer() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    assert_eq!(get(&app, "/health").await.json()["status"], "ok");
    let ready = get(&app, "/ready").await.json();
    assert!(ready["postgis"].as_str().unwrap().starts_with('3'));
}

/// The catalogue of a plot's properties is the database's: every column it
/// names is a column of `plots`, every column of `plots` (but the id and
/// the boundary) is a property's, and the row the reads select holds them
/// all under the same names.
#[actix_web::test]
async fn the_catalogue_is_the_tables() {
    use diesel::sql_types::Text;
    use naeringsareal::plots::catalogue;

    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        column_name: String,
    }
    let db = TestDb::with_demo().await;
    let mut conn = db.conn().await;
    let table: Vec<Column> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = 'plots' ORDER BY column_name",
        ),
        &mut conn,
    )
    .await
    .unwrap();
    let mut table: Vec<String> = table.into_iter().map(|c| c.column_name).collect();
    table.retain(|c| c != "id" && c != "geom");
    let mut named: Vec<String> = catalogue::PROPERTIES
        .iter()
        .filter_map(|p| p.column)
        .map(str::to_owned)
        .collect();
    named.sort();
    assert_eq!(named, table);

    let id = uuid::Uuid::parse_str(&crate::common::id_of(&db, "DRM-0001").await).unwrap();
    let plot = naeringsareal::plots::queries::get(&mut conn, id, naeringsareal::crs::Crs::CRS84)
        .await
        .unwrap()
        .unwrap();
    let row = serde_json::to_value(&plot.row).unwrap();
    let mut read: Vec<String> = row.as_object().unwrap().keys().cloned().collect();
    read.retain(|c| c != "id");
    read.sort();
    assert_eq!(read, table);
}
