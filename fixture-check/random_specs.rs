//! Random *valid* specs built from the constructs real documents use, for
//! the property check "what `check` accepts compiles": each spec is either
//! diagnosed or generated, and every generated one is compiled (and linted)
//! as a module of this crate. Included by `build.rs`; deterministic, so a
//! failing spec is reproduced by its number.

use serde_json::{json, Map, Value};

/// A small deterministic PRNG (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Names that have broken emitted code before: keywords, prelude and
/// runtime items, collisions after case conversion, symbols, non-ASCII.
const NAMES: &[&str] = &[
    "id", "type", "Self", "self", "Result", "Option", "Client", "Send", "send", "body", "clone",
    "default", "$ref", "a-b", "a_b", "aB", "AB", "x.y", "ñandú", "1st", "", "Error", "match",
    "async", "crate", "super", "Box", "Vec", "String", "value", "Value", "None",
];

/// A name from [`NAMES`], or one of the names generated code gives its own
/// members (a parameter called `options` or `send_with_meta`, an operation
/// called `builder`).
fn name(rng: &mut Rng) -> String {
    use pasarela_gen::members::{BUILDER_MEMBERS, CLIENT_MEMBERS};
    match rng.below(3) {
        0 => rng.pick(BUILDER_MEMBERS).to_string(),
        1 if rng.chance(2) => rng.pick(CLIENT_MEMBERS).to_string(),
        _ => rng.pick(NAMES).to_string(),
    }
}

fn scalar_schema(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!({"type": "string"}),
        1 => json!({"type": "integer", "format": "int32", "minimum": 0}),
        2 => json!({"type": "integer"}),
        3 => json!({"type": "number"}),
        4 => json!({"type": "number", "format": "double"}),
        5 => json!({"type": "boolean"}),
        6 => json!({"type": "string", "format": "decimal"}),
        7 => json!({"type": "string", "format": "password"}),
        8 => json!({"type": "string", "pattern": "^[0-9]+$", "maxLength": 10}),
        _ => {
            let values: Vec<String> = (0..1 + rng.below(4)).map(|_| name(rng)).collect();
            json!({"type": "string", "enum": values, "x-pasarela-closed-enum": rng.chance(2)})
        }
    }
}

/// A schema: a scalar, a `$ref` to a component, an array, a map, or an
/// inline object.
fn schema(rng: &mut Rng, components: &[String], depth: usize) -> Value {
    match rng.below(if depth > 2 { 2 } else { 6 }) {
        0 => scalar_schema(rng),
        1 if !components.is_empty() => {
            let target = &components[rng.below(components.len())];
            json!({"$ref": format!("#/components/schemas/{target}")})
        }
        2 => json!({"type": "array", "items": schema(rng, components, depth + 1)}),
        3 => json!({"type": "object", "additionalProperties": schema(rng, components, depth + 1)}),
        4 => object(rng, components, depth + 1),
        _ => scalar_schema(rng),
    }
}

fn object(rng: &mut Rng, components: &[String], depth: usize) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let n = name(rng);
        if rng.chance(2) {
            required.push(Value::String(n.clone()));
        }
        props.insert(n, schema(rng, components, depth + 1));
    }
    required.dedup();
    let mut o = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        // Only names that are properties may be required.
        let keys: Vec<Value> = required
            .into_iter()
            .filter(|r| r.as_str().is_some_and(|r| o["properties"].get(r).is_some()))
            .collect();
        o["required"] = Value::Array(keys);
    }
    o
}

fn components(rng: &mut Rng) -> (Map<String, Value>, Vec<String>) {
    let mut schemas = Map::new();
    let mut names: Vec<String> = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let n = name(rng);
        if n.is_empty() || names.contains(&n) {
            continue;
        }
        // Earlier components only: no accidental definition-by-itself loops.
        let s = match rng.below(5) {
            0 if names.len() >= 2 => {
                let members: Vec<Value> = names
                    .iter()
                    .take(2)
                    .map(|m| json!({"$ref": format!("#/components/schemas/{m}")}))
                    .collect();
                json!({"oneOf": members})
            }
            1 if !names.is_empty() => {
                let base = &names[0];
                json!({"allOf": [{"$ref": format!("#/components/schemas/{base}")}, object(rng, &names, 1)]})
            }
            _ => object(rng, &names, 0),
        };
        schemas.insert(n.clone(), s);
        names.push(n);
    }
    (schemas, names)
}

fn parameter(rng: &mut Rng, components: &[String]) -> Value {
    let n = name(rng);
    match rng.below(7) {
        0 => json!({"name": n, "in": "header", "schema": scalar_schema(rng)}),
        1 => {
            json!({"name": n, "in": "cookie", "required": rng.chance(2), "schema": {"type": "string"}})
        }
        2 => {
            json!({"name": n, "in": "query", "style": rng.pick(&["form", "spaceDelimited", "pipeDelimited"]),
                    "explode": rng.chance(2), "schema": {"type": "array", "items": scalar_schema(rng)}})
        }
        3 => json!({"name": n, "in": "query", "style": "deepObject", "explode": true,
                    "schema": object(rng, components, 2)}),
        _ => {
            json!({"name": n, "in": "query", "required": rng.chance(3), "schema": scalar_schema(rng)})
        }
    }
}

fn response(rng: &mut Rng, components: &[String]) -> Value {
    match rng.below(4) {
        0 => json!({"description": "empty"}),
        1 => {
            json!({"description": "text", "content": {"text/plain": {"schema": {"type": "string"}}}})
        }
        _ => {
            json!({"description": "json", "content": {"application/json": {"schema": schema(rng, components, 1)}}})
        }
    }
}

fn operation(
    rng: &mut Rng,
    components: &[String],
    path_params: &[String],
    schemes: &[String],
) -> Value {
    let mut params: Vec<Value> = path_params
        .iter()
        .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    for _ in 0..rng.below(4) {
        params.push(parameter(rng, components));
    }
    let id = if rng.chance(4) {
        name(rng)
    } else {
        format!("{}{}", name(rng), rng.below(1000))
    };
    let mut op = json!({"operationId": id, "parameters": params});
    match rng.below(4) {
        0 => {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema(rng, components, 1)}}});
        }
        1 => {
            let mut parts = object(rng, components, 2);
            parts["properties"][name(rng)] = json!({"type": "string", "format": "binary"});
            op["requestBody"] = json!({"content": {"multipart/form-data": {"schema": parts}}});
        }
        2 => {
            op["requestBody"] = json!({"content": {"application/x-www-form-urlencoded": {"schema": object(rng, &[], 3)}}});
        }
        _ => {}
    }
    let mut responses = Map::new();
    responses.insert("200".into(), response(rng, components));
    if rng.chance(3) {
        responses.insert(
            rng.pick(&["201", "202", "204"]).into(),
            response(rng, components),
        );
    }
    for code in ["404", "4XX", "5XX", "default"] {
        if rng.chance(3) {
            responses.insert(code.into(), response(rng, components));
        }
    }
    op["responses"] = Value::Object(responses);
    if !schemes.is_empty() && rng.chance(2) {
        let alternatives: Vec<Value> = (0..1 + rng.below(2))
            .map(|_| {
                let mut req = Map::new();
                for _ in 0..1 + rng.below(2) {
                    req.insert(schemes[rng.below(schemes.len())].clone(), json!([]));
                }
                Value::Object(req)
            })
            .collect();
        op["security"] = Value::Array(alternatives);
    }
    if rng.chance(5) {
        op["x-pasarela-moves-money"] = json!(true);
    }
    op
}

/// The `n`th random spec, as JSON text.
pub fn spec(n: u64) -> String {
    let mut rng = Rng(0x51ce_0f5e_ed00_0000 ^ (n + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let (schemas, names) = components(&mut rng);
    let mut schemes = Map::new();
    for (key, scheme) in [
        (
            "headerKey",
            json!({"type": "apiKey", "in": "header", "name": "X-Key"}),
        ),
        (
            "cookieKey",
            json!({"type": "apiKey", "in": "cookie", "name": "session"}),
        ),
        (
            "queryKey",
            json!({"type": "apiKey", "in": "query", "name": "key"}),
        ),
        ("basic", json!({"type": "http", "scheme": "basic"})),
        ("bearer", json!({"type": "http", "scheme": "bearer"})),
    ] {
        if rng.chance(2) {
            schemes.insert(key.into(), scheme);
        }
    }
    let scheme_names: Vec<String> = schemes.keys().cloned().collect();
    let mut paths = Map::new();
    for i in 0..1 + rng.below(4) {
        let params: Vec<String> = (0..rng.below(3)).map(|j| format!("p{j}")).collect();
        let mut path = format!("/r{i}");
        for p in &params {
            path.push_str(&format!("/{{{p}}}"));
        }
        let mut item = Map::new();
        for method in ["get", "post", "put", "delete"] {
            if item.is_empty() || rng.chance(3) {
                item.insert(
                    method.into(),
                    operation(&mut rng, &names, &params, &scheme_names),
                );
            }
        }
        paths.insert(path, Value::Object(item));
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": format!("Random {n}"), "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": schemes},
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
