//! The names generated code gives its own members come from one list
//! (`pasarela_gen::members`) that lowering keeps the spec's names away
//! from: what the emitter writes is checked against the list, and specs
//! whose parameters and operations take those names (drawn at random) are
//! generated and checked for members defined twice.

use std::collections::{BTreeMap, BTreeSet};

use pasarela_gen::members::{BUILDER_MEMBERS, CLIENT_MEMBERS};
use pasarela_gen::{generate, Config, Source};

/// Field names and method names (Rust keeps them apart) per type:
/// `module::Type (fields|methods) -> names`.
#[derive(Default)]
struct Members {
    by_type: BTreeMap<String, Vec<String>>,
}

impl Members {
    fn of(code: &str) -> Members {
        let file = syn::parse_file(code).expect("generated code parses");
        let mut members = Members::default();
        members.items(&file.items, "");
        members
    }

    fn items(&mut self, items: &[syn::Item], module: &str) {
        for item in items {
            match item {
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.items(inner, &m.ident.to_string());
                    }
                }
                syn::Item::Struct(s) => {
                    let names = s
                        .fields
                        .iter()
                        .filter_map(|f| f.ident.as_ref().map(ToString::to_string));
                    self.add(module, &format!("{} (fields)", s.ident), names);
                }
                // What the runtime's `request_methods!` gives a builder.
                syn::Item::Macro(m)
                    if m.mac
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "request_methods") =>
                {
                    let tokens = m.mac.tokens.to_string();
                    let ty = tokens.split_whitespace().next().unwrap_or_default();
                    let names = [
                        "with_options",
                        "send",
                        "send_with_meta",
                        "into_future",
                        "options_mut",
                    ];
                    self.add(
                        module,
                        &format!("{ty} (methods)"),
                        names.map(String::from).into_iter(),
                    );
                }
                // Inherent methods, and those of the runtime's `Call`, which
                // generated code calls by path but a reader sees beside the
                // setters.
                syn::Item::Impl(i)
                    if i.trait_.as_ref().is_none_or(|(_, path, _)| {
                        path.segments.last().is_some_and(|s| s.ident == "Call")
                    }) =>
                {
                    let syn::Type::Path(p) = &*i.self_ty else {
                        continue;
                    };
                    let ty = p
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default();
                    let names = i.items.iter().filter_map(|item| match item {
                        syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                        _ => None,
                    });
                    self.add(module, &format!("{ty} (methods)"), names);
                }
                _ => {}
            }
        }
    }

    fn add(&mut self, module: &str, ty: &str, names: impl Iterator<Item = String>) {
        self.by_type
            .entry(format!("{module}::{ty}"))
            .or_default()
            .extend(names);
    }

    fn duplicates(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (ty, names) in &self.by_type {
            let mut seen = BTreeSet::new();
            for n in names {
                if !seen.insert(n) {
                    out.push(format!("{ty}::{n}"));
                }
            }
        }
        out
    }
}

/// A spec whose every operation is bare (no parameters): what the request
/// builders and the client then have is the emitter's own.
const BARE: &str = r#"
openapi: 3.0.3
info: {title: Bare, version: "1"}
paths:
  /json:
    get:
      operationId: getJson
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {a: {type: string}}}}}}
  /csv:
    get:
      operationId: getCsv
      responses:
        "200":
          description: ok
          content:
            text/csv:
              schema: {type: array, items: {type: object, properties: {a: {type: string}}}, x-pasarela-csv: {separator: ","}}
  /body:
    post:
      operationId: postBody
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, properties: {a: {type: string}}}}}
      responses:
        "204": {description: done}
"#;

#[test]
fn every_member_the_emitter_writes_is_in_the_reserved_lists() {
    let out = generate(&Source::new("bare.yaml", BARE), &Config::default()).expect("generates");
    let members = Members::of(&out.code);
    let builders = ["GetJson", "GetCsv", "PostBody"];
    for b in builders {
        let fields = &members.by_type[&format!("requests::{b} (fields)")];
        let methods = &members.by_type[&format!("requests::{b} (methods)")];
        assert!(methods.iter().any(|m| m == "send"), "{b}: {methods:?}");
        for n in fields.iter().chain(methods) {
            assert!(
                BUILDER_MEMBERS.contains(&n.as_str()),
                "request builder `{b}` has `{n}`, which pasarela_gen::members::BUILDER_MEMBERS does not list"
            );
        }
    }
    let ops = ["get_json", "get_csv", "post_body"];
    for n in &members.by_type["::Client (methods)"] {
        assert!(
            ops.contains(&n.as_str()) || CLIENT_MEMBERS.contains(&n.as_str()),
            "`Client::{n}` is not listed in pasarela_gen::members::CLIENT_MEMBERS"
        );
    }
}

/// xorshift64*: deterministic, so a failing case is reproduced by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
}

#[test]
fn parameters_and_operations_named_like_members_never_define_one_twice() {
    let pool: Vec<&str> = BUILDER_MEMBERS
        .iter()
        .chain(CLIENT_MEMBERS)
        .copied()
        .chain(["body", "value", "self", "Self", "type", "options_2"])
        .collect();
    for seed in 1..=60u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut paths = String::new();
        for op in 0..3 {
            let id = rng.pick(&pool);
            let mut params = String::new();
            let mut used = BTreeSet::new();
            for _ in 0..(1 + rng.next() % 6) {
                let name = rng.pick(&pool);
                if !used.insert(name) {
                    continue;
                }
                let place = rng.pick(&["query", "header", "query"]);
                let required = rng.next() % 2 == 0;
                params.push_str(&format!(
                    "        - {{name: {name:?}, in: {place}, required: {required}, schema: {{type: string}}}}\n"
                ));
            }
            paths.push_str(&format!(
                "  /op{op}:\n    post:\n      operationId: {id:?}\n      parameters:\n{params}      requestBody:\n        content: {{multipart/form-data: {{schema: {{type: object, properties: {{{part:?}: {{type: string}}}}}}}}}}\n      responses:\n        \"200\": {{description: ok}}\n",
                part = rng.pick(&pool),
            ));
        }
        let spec = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}");
        let out = match generate(
            &Source::new("random.yaml", spec.as_str()),
            &Config::default(),
        ) {
            Ok(out) => out,
            // Two operations drawing the same operationId is the spec's
            // mistake, reported; nothing to compile.
            Err(d) => {
                assert!(
                    d.to_string().contains("duplicate operationId"),
                    "seed {seed}:\n{d}\n{spec}"
                );
                continue;
            }
        };
        let dups = Members::of(&out.code).duplicates();
        assert!(
            dups.is_empty(),
            "seed {seed}: defined twice: {dups:?}\n{spec}"
        );
    }
}
