//! OGC API – Features Part 2: answers and boxes in the national CRSs.

use serde_json::Value;

use crate::common::*;

const UTM32: &str = "http://www.opengis.net/def/crs/EPSG/0/25832";
const EPSG4326: &str = "http://www.opengis.net/def/crs/EPSG/0/4326";

fn first_position(feature: &Value) -> (f64, f64) {
    let p = &feature["geometry"]["coordinates"][0][0][0];
    (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())
}

#[actix_web::test]
async fn a_plot_read_in_utm_32_lands_in_drammen_and_every_crs_converts_back_within_a_centimetre() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let id = id_of(&db, "DRM-0001").await;
    let crs84 = get(&app, &format!("/collections/plots/items/{id}")).await;
    assert_eq!(
        crs84.header("content-crs"),
        Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    );
    let utm = get(&app, &format!("/collections/plots/items/{id}?crs={UTM32}")).await;
    assert_eq!(utm.status, 200);
    assert_eq!(
        utm.header("content-crs"),
        Some(format!("<{UTM32}>").as_str())
    );
    let utm = utm.json();
    assert!(
        utm["geometry"].get("crs").is_none(),
        "no crs member: the header says it"
    );
    let (x, y) = first_position(&utm);
    // Holmen, Drammen: about 570 km east, 6,620 km north in UTM 32.
    assert!((565_000.0..575_000.0).contains(&x), "{x}");
    assert!((6_615_000.0..6_625_000.0).contains(&y), "{y}");
    // Back to degrees in PostGIS: within 1 cm of the CRS84 answer.
    let (lon, lat) = first_position(&crs84.json());
    #[derive(diesel::QueryableByName)]
    struct Metres {
        #[diesel(sql_type = diesel::sql_types::Double)]
        d: f64,
    }
    use diesel_async::RunQueryDsl;
    let apart: Metres = diesel::sql_query(
        "SELECT ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 25832), 4326)::geography, \
                            ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography) AS d",
    )
    .bind::<diesel::sql_types::Double, _>(x)
    .bind::<diesel::sql_types::Double, _>(y)
    .bind::<diesel::sql_types::Double, _>(lon)
    .bind::<diesel::sql_types::Double, _>(lat)
    .get_result(&mut db.conn().await)
    .await
    .unwrap();
    assert!(apart.d < 0.01, "{} m apart", apart.d);

    // EPSG:4326 as a URI is latitude first.
    let lat_lon = get(
        &app,
        &format!("/collections/plots/items/{id}?crs={EPSG4326}"),
    )
    .await
    .json();
    let (first, second) = first_position(&lat_lon);
    assert_eq!((first, second), (lat, lon));

    // Every other CRS on offer: EUREF89 (4258) is latitude first too and,
    // as PostGIS transforms it, the same numbers; the projected ones convert
    // back within 1 cm.
    let euref89 = get(
        &app,
        &format!("/collections/plots/items/{id}?crs=http://www.opengis.net/def/crs/EPSG/0/4258"),
    )
    .await
    .json();
    let (first, second) = first_position(&euref89);
    assert!((first - lat).abs() < 1e-7 && (second - lon).abs() < 1e-7);
    for srid in [25833, 25835, 3857] {
        let uri = format!("http://www.opengis.net/def/crs/EPSG/0/{srid}");
        let answer = get(&app, &format!("/collections/plots/items/{id}?crs={uri}")).await;
        assert_eq!(answer.status, 200, "{srid}");
        assert_eq!(
            answer.header("content-crs"),
            Some(format!("<{uri}>").as_str())
        );
        let (x, y) = first_position(&answer.json());
        let apart: Metres = diesel::sql_query(
            "SELECT ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), $5), 4326)::geography, \
                                ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography) AS d",
        )
        .bind::<diesel::sql_types::Double, _>(x)
        .bind::<diesel::sql_types::Double, _>(y)
        .bind::<diesel::sql_types::Double, _>(lon)
        .bind::<diesel::sql_types::Double, _>(lat)
        .bind::<diesel::sql_types::Integer, _>(srid)
        .get_result(&mut db.conn().await)
        .await
        .unwrap();
        assert!(apart.d < 0.01, "EPSG:{srid}: {} m apart", apart.d);
    }
}

#[actix_web::test]
async fn a_box_in_utm_32_selects_what_the_same_box_in_degrees_does() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let references = |answer: Value| -> Vec<String> {
        let mut r: Vec<String> = answer["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["reference"].as_str().unwrap().to_owned())
            .collect();
        r.sort();
        r
    };
    // Holmen and Brakerøya, in UTM 32 and (near enough) in degrees.
    let utm = get(
        &app,
        &format!("/collections/plots/items?limit=100&bbox-crs={UTM32}&bbox=568000,6620000,572000,6624000&crs={UTM32}"),
    )
    .await;
    assert_eq!(utm.status, 200);
    let utm = references(utm.json());
    assert!(!utm.is_empty());
    let degrees = references(
        get(
            &app,
            "/collections/plots/items?limit=100&bbox=10.2080,59.7135,10.2800,59.7500",
        )
        .await
        .json(),
    );
    for r in &utm {
        assert!(
            degrees.contains(r),
            "{r} in the UTM box but not in the degree box"
        );
    }
    // The same box as latitude-first EPSG:4326.
    let lat_first = references(
        get(&app, &format!("/collections/plots/items?limit=100&bbox-crs={EPSG4326}&bbox=59.7135,10.2080,59.7500,10.2800")).await.json(),
    );
    assert_eq!(lat_first, degrees);

    // The collection lists every CRS; an unknown one is a 400.
    let collection = get(&app, "/collections/plots").await.json();
    let crs: Vec<&str> = collection["crs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in ["4326", "4258", "25832", "25833", "25835", "3857"] {
        assert!(
            crs.contains(&format!("http://www.opengis.net/def/crs/EPSG/0/{code}").as_str()),
            "{code}"
        );
    }
    let bad = get(
        &app,
        "/collections/plots/items?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2154&bbox=1,2,3,4",
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["detail"].as_str().unwrap().contains("bbox-crs"));
}
