// @generated automatically by Diesel CLI.

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    alert_matches (alert_id, plot_id) {
        alert_id -> Uuid,
        plot_id -> Uuid,
        matched_at -> Timestamptz,
        notified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    alerts (id) {
        id -> Uuid,
        email -> Text,
        needs -> Jsonb,
        lang -> Text,
        state -> Text,
        confirm_hash -> Bytea,
        unsubscribe_token -> Text,
        client_address -> Text,
        created_at -> Timestamptz,
        confirmed_at -> Nullable<Timestamptz>,
        unsubscribed_at -> Nullable<Timestamptz>,
        last_digest_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    api_keys (id) {
        id -> Int4,
        name -> Text,
        role -> Text,
        key_hash -> Bytea,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    demand_records (id) {
        id -> Int8,
        source -> Text,
        enquiry_id -> Nullable<Uuid>,
        session -> Nullable<Text>,
        first_at -> Timestamptz,
        last_at -> Timestamptz,
        asked -> Int4,
        area_min_m2 -> Nullable<Float8>,
        area_max_m2 -> Nullable<Float8>,
        land_use -> Nullable<Array<Nullable<Int4>>>,
        location_class -> Nullable<Array<Nullable<Text>>>,
        min_power_kw -> Nullable<Float8>,
        max_port_distance_m -> Nullable<Float8>,
        max_rail_terminal_distance_m -> Nullable<Float8>,
        max_motorway_distance_m -> Nullable<Float8>,
        max_station_distance_m -> Nullable<Float8>,
        available_by -> Nullable<Date>,
        required -> Array<Nullable<Text>>,
        candidates -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    enquiries (id) {
        id -> Uuid,
        plot_id -> Nullable<Uuid>,
        name -> Nullable<Text>,
        company -> Nullable<Text>,
        organisation_number -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        message -> Nullable<Text>,
        needs -> Nullable<Jsonb>,
        status -> Text,
        assigned_to -> Nullable<Text>,
        client_address -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        reference -> Text,
        lang -> Text,
        answer_due_at -> Timestamptz,
        answered_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    enquiry_events (id) {
        id -> Int8,
        enquiry_id -> Uuid,
        at -> Timestamptz,
        by -> Text,
        from_status -> Text,
        to_status -> Text,
        assigned_to -> Nullable<Text>,
        note -> Nullable<Text>,
        note_erased -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    enquiry_ratings (enquiry_id) {
        enquiry_id -> Uuid,
        score -> Int2,
        comment -> Nullable<Text>,
        rated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    enquiry_reads (id) {
        id -> Int8,
        enquiry_id -> Uuid,
        by -> Text,
        at -> Timestamptz,
        how -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        fingerprint -> Bytea,
        status -> Int2,
        headers -> Jsonb,
        body -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    land_use_codes (code) {
        code -> Int4,
        name_nb -> Text,
        name_en -> Text,
        plan_level -> Text,
        demand_group -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    mail_outbox (id) {
        id -> Uuid,
        kind -> Text,
        enquiry_id -> Nullable<Uuid>,
        recipient -> Text,
        reply_to -> Nullable<Text>,
        lang -> Text,
        subject -> Text,
        body -> Text,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        alert_id -> Nullable<Uuid>,
        list_unsubscribe -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    plot_versions (plot_id, version) {
        plot_id -> Uuid,
        version -> Int4,
        valid_from -> Timestamptz,
        changed_by -> Text,
        operation -> Text,
        data -> Jsonb,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    plots (id) {
        id -> Uuid,
        reference -> Text,
        name -> Text,
        address -> Nullable<Text>,
        previously_part_of -> Array<Nullable<Uuid>>,
        geom -> Geometry,
        area_m2 -> Nullable<Float8>,
        municipality -> Text,
        locality -> Nullable<Text>,
        cadastral_units -> Array<Nullable<Text>>,
        land_use -> Int4,
        land_use_status -> Text,
        plan_id -> Nullable<Text>,
        planning_status -> Text,
        utilisation_percent -> Nullable<Float8>,
        utilisation_type -> Nullable<Text>,
        max_height_m -> Nullable<Float8>,
        location_class -> Text,
        readiness -> Text,
        ownership -> Text,
        owner_name -> Nullable<Text>,
        offer_type -> Text,
        price_nok_per_m2 -> Nullable<Int4>,
        lease_nok_per_m2_year -> Nullable<Int4>,
        price_note -> Nullable<Text>,
        status -> Text,
        available_from -> Nullable<Date>,
        water_sewer -> Bool,
        power_capacity_kw -> Nullable<Int4>,
        district_heating -> Bool,
        fibre -> Bool,
        road_access -> Bool,
        port_distance_m -> Nullable<Int4>,
        port_name -> Nullable<Text>,
        rail_terminal_distance_m -> Nullable<Int4>,
        rail_terminal_name -> Nullable<Text>,
        motorway_distance_m -> Nullable<Int4>,
        motorway_junction_name -> Nullable<Text>,
        station_distance_m -> Nullable<Int4>,
        station_name -> Nullable<Text>,
        contamination -> Text,
        cultural_heritage -> Bool,
        flood_zone -> Bool,
        landslide_zone -> Bool,
        quick_clay_zone -> Bool,
        noise_zone -> Text,
        ground_conditions -> Nullable<Text>,
        focus_areas -> Array<Nullable<Text>>,
        documents -> Jsonb,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        is_demo -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        end_reason -> Nullable<Text>,
        version -> Int4,
        published -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    reference_places (id) {
        id -> Int4,
        kind -> Text,
        name -> Text,
        road -> Nullable<Text>,
        geom -> Geometry,
        is_demo -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    service_secrets (name) {
        name -> Text,
        secret -> Bytea,
    }
}

diesel::joinable!(alert_matches -> alerts (alert_id));
diesel::joinable!(alert_matches -> plots (plot_id));
diesel::joinable!(demand_records -> enquiries (enquiry_id));
diesel::joinable!(enquiries -> plots (plot_id));
diesel::joinable!(enquiry_events -> enquiries (enquiry_id));
diesel::joinable!(enquiry_ratings -> enquiries (enquiry_id));
diesel::joinable!(mail_outbox -> alerts (alert_id));
diesel::joinable!(mail_outbox -> enquiries (enquiry_id));
diesel::joinable!(plot_versions -> plots (plot_id));
diesel::joinable!(plots -> land_use_codes (land_use));

diesel::allow_tables_to_appear_in_same_query!(
    alert_matches,
    alerts,
    api_keys,
    demand_records,
    enquiries,
    enquiry_events,
    enquiry_ratings,
    enquiry_reads,
    idempotency_keys,
    land_use_codes,
    mail_outbox,
    plot_versions,
    plots,
    reference_places,
    service_secrets,
);
