//! The API definition in OpenAPI 3.0, converted from the 3.1 document the
//! code generates, for the clients that read only 3.0 (OWSLib, and the OGC
//! API – Features Part 1 conformance class `oas30` names 3.0).
//!
//! The conversion walks the document as OpenAPI: schemas wherever the 3.1
//! document may hold one (components, parameters, headers, media types,
//! and inside schemas), and rewrites each JSON Schema 2020-12 keyword that
//! 3.0's schema object lacks into its 3.0 form:
//!
//! | 3.1 | 3.0 |
//! |---|---|
//! | `type: [X, "null"]` | `type: X, nullable: true` (several non-null types: `anyOf`) |
//! | `oneOf`/`anyOf` with `{"type": "null"}` | the other alternatives, `nullable: true` |
//! | `$ref` with siblings | `allOf: [{$ref}]` with the siblings |
//! | `const: v` | `enum: [v]` |
//! | `examples: [a, …]` | `example: a` |
//! | `exclusiveMinimum: n` | `minimum: n, exclusiveMinimum: true` (and maximum) |
//! | `contentEncoding: base64` | `format: byte` |
//! | `contentMediaType` (no encoding) | `format: binary` |
//! | `prefixItems` | `items: {anyOf: […]}`, `minItems`/`maxItems` |
//! | `true` / `false` schemas | `{}` / `{not: {}}` |
//! | `license.identifier` | `license.url` (SPDX) |
//!
//! A keyword that 3.0 cannot say at all (`if`, `webhooks`, …) is an error,
//! not silently dropped: the test of the served document fails, and the
//! conversion is extended then.

use serde_json::{Map, Value, json};

/// The OpenAPI version of the converted document.
pub const VERSION: &str = "3.0.3";

/// A part of the 3.1 document that has no 3.0 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconvertible {
    /// Where: a JSON pointer into the 3.1 document.
    pub at: String,
    /// What.
    pub what: String,
}

impl std::fmt::Display for Unconvertible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.what)
    }
}

impl std::error::Error for Unconvertible {}

type Result<T> = std::result::Result<T, Unconvertible>;

fn fail<T>(at: &str, what: impl Into<String>) -> Result<T> {
    Err(Unconvertible {
        at: at.to_owned(),
        what: what.into(),
    })
}

/// JSON pointer escaping of one token.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn child(at: &str, key: &str) -> String {
    format!("{at}/{}", token(key))
}

/// The 3.0 form of an OpenAPI 3.1 document.
pub fn convert(doc: &Value) -> Result<Value> {
    let Some(root) = doc.as_object() else {
        return fail("", "the document is not an object");
    };
    let mut out = Map::new();
    for (key, value) in root {
        let at = child("", key);
        let converted = match key.as_str() {
            "openapi" => Value::from(VERSION),
            "info" => info(value, &at)?,
            "paths" => map_of(value, &at, path_item)?,
            "components" => components(value, &at)?,
            "servers" | "security" | "tags" | "externalDocs" => value.clone(),
            k if k.starts_with("x-") => value.clone(),
            other => return fail(&at, format!("`{other}` has no OpenAPI 3.0 form")),
        };
        out.insert(key.clone(), converted);
    }
    Ok(Value::Object(out))
}

/// Applies `f` to each value of an object.
fn map_of(value: &Value, at: &str, f: fn(&Value, &str) -> Result<Value>) -> Result<Value> {
    let Some(object) = value.as_object() else {
        return fail(at, "expected an object");
    };
    let mut out = Map::new();
    for (key, item) in object {
        out.insert(key.clone(), f(item, &child(at, key))?);
    }
    Ok(Value::Object(out))
}

fn object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .map_or_else(|| fail(at, "expected an object"), Ok)
}

fn info(value: &Value, at: &str) -> Result<Value> {
    let mut out = object(value, at)?.clone();
    if out.contains_key("summary") {
        return fail(
            &child(at, "summary"),
            "`info.summary` has no OpenAPI 3.0 form",
        );
    }
    if let Some(Value::Object(license)) = out.get_mut("license")
        && let Some(identifier) = license.remove("identifier")
    {
        let Some(id) = identifier.as_str() else {
            return fail(&format!("{at}/license/identifier"), "expected a string");
        };
        license
            .entry("url")
            .or_insert_with(|| Value::from(format!("https://spdx.org/licenses/{id}.html")));
    }
    Ok(Value::Object(out))
}

fn components(value: &Value, at: &str) -> Result<Value> {
    let mut out = Map::new();
    for (key, item) in object(value, at)? {
        let here = child(at, key);
        let converted = match key.as_str() {
            "schemas" => map_of(item, &here, schema)?,
            "responses" => map_of(item, &here, response)?,
            "parameters" => map_of(item, &here, parameter)?,
            "requestBodies" => map_of(item, &here, request_body)?,
            "headers" => map_of(item, &here, header)?,
            "examples" | "securitySchemes" | "links" => item.clone(),
            "callbacks" => map_of(item, &here, |c, at| map_of(c, at, path_item))?,
            k if k.starts_with("x-") => item.clone(),
            other => {
                return fail(
                    &here,
                    format!("`components.{other}` has no OpenAPI 3.0 form"),
                );
            }
        };
        out.insert(key.clone(), converted);
    }
    Ok(Value::Object(out))
}

/// A Reference Object outside schemas: 3.1 lets it carry `summary` and
/// `description`, which 3.0 does not (its siblings are ignored there).
fn reference(value: &Value) -> Option<Value> {
    value.get("$ref").map(|r| json!({ "$ref": r }))
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn path_item(value: &Value, at: &str) -> Result<Value> {
    let mut out = Map::new();
    for (key, item) in object(value, at)? {
        let here = child(at, key);
        let converted = match key.as_str() {
            "$ref" => return fail(&here, "path item references are not converted"),
            "summary" | "description" | "servers" => item.clone(),
            "parameters" => list_of(item, &here, parameter)?,
            m if METHODS.contains(&m) => operation(item, &here)?,
            k if k.starts_with("x-") => item.clone(),
            other => return fail(&here, format!("`{other}` has no OpenAPI 3.0 form")),
        };
        out.insert(key.clone(), converted);
    }
    Ok(Value::Object(out))
}

fn list_of(value: &Value, at: &str, f: fn(&Value, &str) -> Result<Value>) -> Result<Value> {
    let Some(items) = value.as_array() else {
        return fail(at, "expected an array");
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| f(item, &child(at, &i.to_string())))
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

fn operation(value: &Value, at: &str) -> Result<Value> {
    let mut out = Map::new();
    for (key, item) in object(value, at)? {
        let here = child(at, key);
        let converted = match key.as_str() {
            "parameters" => list_of(item, &here, parameter)?,
            "requestBody" => request_body(item, &here)?,
            "responses" => map_of(item, &here, response)?,
            "callbacks" => map_of(item, &here, |c, at| map_of(c, at, path_item))?,
            _ => item.clone(),
        };
        out.insert(key.clone(), converted);
    }
    Ok(Value::Object(out))
}

fn parameter(value: &Value, at: &str) -> Result<Value> {
    if let Some(r) = reference(value) {
        return Ok(r);
    }
    with_schema_and_content(value, at)
}

/// A parameter or header: its `schema` and its `content` are converted.
fn with_schema_and_content(value: &Value, at: &str) -> Result<Value> {
    let mut out = object(value, at)?.clone();
    if let Some(s) = out.get("schema") {
        let converted = schema(s, &child(at, "schema"))?;
        out.insert("schema".to_owned(), converted);
    }
    if let Some(c) = out.get("content") {
        let converted = map_of(c, &child(at, "content"), media_type)?;
        out.insert("content".to_owned(), converted);
    }
    Ok(Value::Object(out))
}

fn header(value: &Value, at: &str) -> Result<Value> {
    if let Some(r) = reference(value) {
        return Ok(r);
    }
    with_schema_and_content(value, at)
}

fn request_body(value: &Value, at: &str) -> Result<Value> {
    if let Some(r) = reference(value) {
        return Ok(r);
    }
    with_schema_and_content(value, at)
}

fn response(value: &Value, at: &str) -> Result<Value> {
    if let Some(r) = reference(value) {
        return Ok(r);
    }
    let mut out = with_schema_and_content(value, at)?;
    if let Some(headers) = out.get("headers") {
        let converted = map_of(headers, &child(at, "headers"), header)?;
        out["headers"] = converted;
    }
    Ok(out)
}

fn media_type(value: &Value, at: &str) -> Result<Value> {
    let mut out = with_schema_and_content(value, at)?;
    if let Some(Value::Object(encoding)) = out.get_mut("encoding") {
        for (name, e) in encoding.iter_mut() {
            if let Some(headers) = e.get("headers") {
                let here = format!("{at}/encoding/{}/headers", token(name));
                e["headers"] = map_of(headers, &here, header)?;
            }
        }
    }
    Ok(out)
}

/// The keywords of OpenAPI 3.0's schema object, kept as they are (the
/// subschemas in them are converted).
const SCHEMA_30: &[&str] = &[
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
    "$ref",
];

/// JSON Schema 2020-12 keywords with 3.0 forms, rewritten by [`schema`].
const REWRITTEN: &[&str] = &[
    "const",
    "examples",
    "contentEncoding",
    "contentMediaType",
    "prefixItems",
    // Annotations without meaning for validation.
    "$comment",
    "$schema",
];

fn is_null_schema(value: &Value) -> bool {
    value.as_object().is_some_and(|o| {
        o.get("type") == Some(&Value::from("null"))
            && o.keys()
                .all(|k| matches!(k.as_str(), "type" | "description" | "title"))
    })
}

/// The 3.0 form of a JSON Schema 2020-12 schema.
pub fn schema(value: &Value, at: &str) -> Result<Value> {
    let source = match value {
        Value::Bool(true) => return Ok(json!({})),
        Value::Bool(false) => return Ok(json!({ "not": {} })),
        Value::Object(source) => source,
        _ => return fail(at, "a schema is an object or a boolean"),
    };
    let mut out = Map::new();
    let mut nullable = source.get("nullable") == Some(&Value::Bool(true));
    for key in source.keys() {
        let k = key.as_str();
        if !SCHEMA_30.contains(&k) && !REWRITTEN.contains(&k) && !k.starts_with("x-") {
            return fail(
                &child(at, key),
                format!("the schema keyword `{key}` has no OpenAPI 3.0 form"),
            );
        }
    }

    // The subschemas and the keywords kept as they are.
    for (key, item) in source {
        let here = child(at, key);
        let converted = match key.as_str() {
            "properties" => map_of(item, &here, schema)?,
            "items" | "not" => schema(item, &here)?,
            "additionalProperties" if item.is_object() => schema(item, &here)?,
            "allOf" | "oneOf" | "anyOf" => list_of(item, &here, schema)?,
            "type" | "nullable" | "exclusiveMinimum" | "exclusiveMaximum" => continue,
            k if REWRITTEN.contains(&k) => continue,
            _ => item.clone(),
        };
        out.insert(key.clone(), converted);
    }

    // `type`: a list, or "null".
    match source.get("type") {
        None => {}
        Some(Value::String(t)) if t == "null" => {
            nullable = true;
            out.insert("enum".to_owned(), json!([null]));
        }
        Some(Value::String(t)) => {
            out.insert("type".to_owned(), Value::from(t.as_str()));
        }
        Some(Value::Array(types)) => {
            let named: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
            nullable |= named.len() < types.len();
            match named.as_slice() {
                [] => {
                    out.insert("enum".to_owned(), json!([null]));
                }
                [one] => {
                    out.insert("type".to_owned(), (*one).clone());
                }
                several => {
                    let alternatives = several.iter().map(|t| json!({ "type": t })).collect();
                    let alternatives = Value::Array(alternatives);
                    if out.contains_key("anyOf") {
                        add_all_of(&mut out, json!({ "anyOf": alternatives }));
                    } else {
                        out.insert("anyOf".to_owned(), alternatives);
                    }
                }
            }
        }
        Some(_) => return fail(&child(at, "type"), "expected a string or an array"),
    }

    // `oneOf`/`anyOf` with a null alternative.
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(alternatives)) = out.get(key) else {
            continue;
        };
        let originals = source
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        if !originals.iter().any(is_null_schema) {
            continue;
        }
        nullable = true;
        let rest: Vec<Value> = alternatives
            .iter()
            .zip(originals)
            .filter(|(_, original)| !is_null_schema(original))
            .map(|(converted, _)| converted.clone())
            .collect();
        out.remove(key);
        match rest.as_slice() {
            [] => {
                out.insert("enum".to_owned(), json!([null]));
            }
            [one] => merge_alternative(&mut out, one.clone()),
            _ => {
                out.insert(key.to_owned(), Value::Array(rest));
            }
        }
    }

    // `$ref` with siblings: 3.0 ignores them.
    if let Some(r) = out.remove("$ref") {
        if out.is_empty() && !nullable {
            out.insert("$ref".to_owned(), r);
        } else {
            add_all_of(&mut out, json!({ "$ref": r }));
        }
    }

    if let Some(c) = source.get("const") {
        if c.is_null() {
            nullable = true;
        }
        out.insert("enum".to_owned(), json!([c]));
    }
    if let Some(examples) = source.get("examples") {
        let Some(first) = examples.as_array().and_then(|e| e.first()) else {
            return fail(&child(at, "examples"), "expected a non-empty array");
        };
        out.entry("example").or_insert_with(|| first.clone());
    }
    exclusive_bound(
        source,
        &mut out,
        at,
        "exclusiveMinimum",
        "minimum",
        |a, b| a >= b,
    )?;
    exclusive_bound(
        source,
        &mut out,
        at,
        "exclusiveMaximum",
        "maximum",
        |a, b| a <= b,
    )?;
    if let Some(encoding) = source.get("contentEncoding") {
        if encoding == "base64" {
            out.entry("format").or_insert_with(|| Value::from("byte"));
        }
    } else if source.contains_key("contentMediaType") {
        out.entry("format").or_insert_with(|| Value::from("binary"));
    }
    if let Some(prefix) = source.get("prefixItems") {
        let here = child(at, "prefixItems");
        let converted = list_of(prefix, &here, schema)?;
        let n = converted.as_array().map_or(0, Vec::len);
        let mut alternatives = converted.as_array().cloned().unwrap_or_default();
        match out.remove("items") {
            // `items: false`: exactly the prefix.
            Some(items) if items == json!({ "not": {} }) => {
                out.insert("maxItems".to_owned(), Value::from(n));
            }
            Some(items) => alternatives.push(items),
            None => alternatives.push(json!({})),
        }
        alternatives.dedup();
        let items = match alternatives.as_slice() {
            [one] => one.clone(),
            _ => json!({ "anyOf": alternatives }),
        };
        out.insert("items".to_owned(), items);
        out.entry("minItems").or_insert_with(|| Value::from(n));
    }

    if out.get("type") == Some(&Value::from("array")) && !out.contains_key("items") {
        out.insert("items".to_owned(), json!({}));
    }
    if out
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        out.remove("required");
    }
    if nullable {
        out.insert("nullable".to_owned(), Value::Bool(true));
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }
    Ok(Value::Object(in_source_order(source, out)))
}

/// The keywords in the order of the 3.1 schema's (a rewritten keyword where
/// the one it stands for was), the new ones after them, so that the two
/// documents read alike.
fn in_source_order(source: &Map<String, Value>, mut out: Map<String, Value>) -> Map<String, Value> {
    let mut ordered = Map::new();
    for key in source.keys() {
        let becomes: &[&str] = match key.as_str() {
            "const" => &["enum"],
            "examples" => &["example"],
            "exclusiveMinimum" => &["minimum", "exclusiveMinimum"],
            "exclusiveMaximum" => &["maximum", "exclusiveMaximum"],
            "contentEncoding" | "contentMediaType" => &["format"],
            "prefixItems" => &["items", "minItems", "maxItems"],
            "type" => &["type", "nullable"],
            "$ref" => &["$ref", "allOf"],
            k => &[k][..],
        };
        for k in becomes {
            if let Some((k, v)) = out.remove_entry(*k) {
                ordered.insert(k, v);
            }
        }
    }
    ordered.extend(out);
    ordered
}

/// Adds a subschema to the schema's `allOf`.
fn add_all_of(out: &mut Map<String, Value>, subschema: Value) {
    match out.get_mut("allOf") {
        Some(Value::Array(all)) => all.insert(0, subschema),
        _ => {
            out.insert("allOf".to_owned(), json!([subschema]));
        }
    }
}

/// The one alternative left of a `oneOf` once its null is gone: merged into
/// the schema where no keyword clashes (`oneOf: [X]` is `X`), else kept in
/// `allOf`.
fn merge_alternative(out: &mut Map<String, Value>, alternative: Value) {
    let Value::Object(alternative) = alternative else {
        return add_all_of(out, alternative);
    };
    let annotations = ["description", "title", "example", "default", "deprecated"];
    let clashes = alternative
        .keys()
        .any(|k| out.contains_key(k) && !annotations.contains(&k.as_str()));
    if clashes {
        return add_all_of(out, Value::Object(alternative));
    }
    for (key, value) in alternative {
        match key.as_str() {
            // The outer schema's annotations win.
            k if annotations.contains(&k) => {
                out.entry(key).or_insert(value);
            }
            "allOf" => {
                for subschema in value.as_array().cloned().unwrap_or_default() {
                    add_all_of(out, subschema);
                }
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
}

/// 2020-12's numeric `exclusiveMinimum: n` as 3.0's `minimum: n,
/// exclusiveMinimum: true` (and the same for the maximum). `stricter(a, b)`:
/// whether bound `a` is at least as strict as `b`.
fn exclusive_bound(
    source: &Map<String, Value>,
    out: &mut Map<String, Value>,
    at: &str,
    exclusive: &str,
    inclusive: &str,
    stricter: fn(f64, f64) -> bool,
) -> Result<()> {
    let Some(value) = source.get(exclusive) else {
        return Ok(());
    };
    if let Some(flag) = value.as_bool() {
        // Already the 3.0 form.
        out.insert(exclusive.to_owned(), Value::Bool(flag));
        return Ok(());
    }
    let Some(bound) = value.as_f64() else {
        return fail(&child(at, exclusive), "expected a number");
    };
    let kept = out.get(inclusive).and_then(Value::as_f64);
    if kept.is_some_and(|kept| kept != bound && stricter(kept, bound)) {
        // The inclusive bound is the stricter one: it alone says it.
        return Ok(());
    }
    out.insert(inclusive.to_owned(), value.clone());
    out.insert(exclusive.to_owned(), Value::Bool(true));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(value: Value) -> Value {
        schema(&value, "#").unwrap()
    }

    #[test]
    fn a_type_list_with_null_is_nullable() {
        assert_eq!(
            s(json!({"type": ["string", "null"], "format": "date"})),
            json!({"type": "string", "format": "date", "nullable": true})
        );
        assert_eq!(
            s(json!({"type": ["string", "integer"]})),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
        );
        assert_eq!(
            s(json!({"type": "null"})),
            json!({"enum": [null], "nullable": true})
        );
    }

    #[test]
    fn a_nullable_enum_takes_null_among_its_values() {
        assert_eq!(
            s(json!({"type": ["string", "null"], "enum": ["a", "b"]})),
            json!({"type": "string", "enum": ["a", "b", null], "nullable": true})
        );
    }

    #[test]
    fn one_of_a_reference_or_null_is_a_nullable_reference() {
        assert_eq!(
            s(
                json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/A", "description": "An A."}]})
            ),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "description": "An A.", "nullable": true})
        );
        assert_eq!(
            s(
                json!({"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 1}], "description": "n"})
            ),
            json!({"description": "n", "type": "integer", "minimum": 1, "nullable": true})
        );
        assert_eq!(
            s(json!({"anyOf": [{"type": "null"}, {"type": "string"}, {"type": "integer"}]})),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn a_reference_with_siblings_is_wrapped_in_all_of() {
        assert_eq!(
            s(json!({"$ref": "#/components/schemas/A", "description": "An A."})),
            json!({"description": "An A.", "allOf": [{"$ref": "#/components/schemas/A"}]})
        );
        assert_eq!(
            s(json!({"$ref": "#/components/schemas/A"})),
            json!({"$ref": "#/components/schemas/A"})
        );
        // Inside allOf too.
        assert_eq!(
            s(json!({"allOf": [{"$ref": "#/c/A", "description": "d"}, {"type": "object"}]})),
            json!({"allOf": [{"description": "d", "allOf": [{"$ref": "#/c/A"}]}, {"type": "object"}]})
        );
    }

    #[test]
    fn const_examples_and_exclusive_bounds_take_their_3_0_forms() {
        assert_eq!(
            s(json!({"type": "string", "const": "Feature"})),
            json!({"type": "string", "enum": ["Feature"]})
        );
        assert_eq!(
            s(json!({"type": "integer", "examples": [3, 4]})),
            json!({"type": "integer", "example": 3})
        );
        assert_eq!(
            s(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10.5})),
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10.5, "exclusiveMaximum": true})
        );
        // An inclusive bound that is stricter stays alone.
        assert_eq!(
            s(json!({"type": "number", "minimum": 5, "exclusiveMinimum": 0})),
            json!({"type": "number", "minimum": 5})
        );
        assert_eq!(
            s(json!({"type": "number", "minimum": 0, "exclusiveMinimum": 0})),
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true})
        );
    }

    #[test]
    fn content_keywords_and_tuples_take_their_3_0_forms() {
        assert_eq!(
            s(json!({"type": "string", "contentEncoding": "base64"})),
            json!({"type": "string", "format": "byte"})
        );
        assert_eq!(
            s(json!({"type": "string", "contentMediaType": "application/octet-stream"})),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            s(
                json!({"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "items": false})
            ),
            json!({"type": "array", "items": {"type": "number"}, "maxItems": 2, "minItems": 2})
        );
        assert_eq!(
            s(json!({"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}]})),
            json!({"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "string"}, {}]}, "minItems": 2})
        );
    }

    #[test]
    fn subschemas_everywhere_are_converted() {
        assert_eq!(
            s(json!({"type": "object", "required": [],
                     "properties": {"a": {"type": ["integer", "null"]}},
                     "additionalProperties": {"const": 1},
                     "items": true, "not": false})),
            json!({"type": "object",
                   "properties": {"a": {"type": "integer", "nullable": true}},
                   "additionalProperties": {"enum": [1]},
                   "items": {}, "not": {"not": {}}})
        );
        assert_eq!(
            s(json!({"type": ["array", "null"]})),
            json!({"type": "array", "items": {}, "nullable": true})
        );
    }

    #[test]
    fn what_3_0_cannot_say_is_an_error_naming_where() {
        let err = schema(&json!({"properties": {"a/b": {"if": {}}}}), "#").unwrap_err();
        assert_eq!(err.at, "#/properties/a~1b/if");
        let err = convert(&json!({"openapi": "3.1.0", "webhooks": {}})).unwrap_err();
        assert_eq!(err.at, "/webhooks");
    }

    #[test]
    fn the_document_frame_is_3_0() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1", "license": {"name": "MIT", "identifier": "MIT"}},
            "paths": {"/a": {"get": {
                "parameters": [{"name": "n", "in": "query", "schema": {"type": ["integer", "null"]}}],
                "responses": {"200": {"description": "ok",
                    "headers": {"ETag": {"schema": {"type": "string", "const": "x"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/c", "description": "d"}}}},
                    "400": {"$ref": "#/components/responses/Bad", "description": "gone in 3.0"}}
            }}},
            "components": {"schemas": {"A": {"type": ["string", "null"]}}}
        });
        assert_eq!(
            convert(&doc).unwrap(),
            json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1", "license": {"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"}},
                "paths": {"/a": {"get": {
                    "parameters": [{"name": "n", "in": "query", "schema": {"type": "integer", "nullable": true}}],
                    "responses": {"200": {"description": "ok",
                        "headers": {"ETag": {"schema": {"type": "string", "enum": ["x"]}}},
                        "content": {"application/json": {"schema": {"description": "d", "allOf": [{"$ref": "#/c"}]}}}},
                        "400": {"$ref": "#/components/responses/Bad"}}
                }}},
                "components": {"schemas": {"A": {"type": "string", "nullable": true}}}
            })
        );
    }
}
