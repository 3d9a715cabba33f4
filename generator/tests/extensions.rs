//! The `x-pasarela-*` extensions are read strictly: docs/spec-extensions.md
//! documents exactly the extensions the generator reads, each of them is
//! accepted where it has an effect, and every misspelling of a name or of a
//! sub-key, a value of the wrong type and an extension in a place where it
//! has no effect is refused with its position and a hint.

use std::collections::BTreeSet;
use std::path::PathBuf;

use pasarela_gen::extensions::{Shape, EXTENSIONS};
use pasarela_gen::{Config, Diagnostics, Source};

fn path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

const EVERY: &str = "tests/extensions/every_extension.yaml";

fn every_extension_text() -> String {
    std::fs::read_to_string(path(EVERY)).expect("fixture")
}

fn check(text: &str) -> Result<(), Diagnostics> {
    pasarela_gen::generate(&Source::new(EVERY, text), &Config::default()).map(|_| ())
}

/// The extension names documented as `### \`x-pasarela-...` headings.
fn documented() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(path("../docs/spec-extensions.md")).expect("docs");
    doc.lines()
        .filter_map(|l| l.strip_prefix("### `"))
        .filter_map(|l| l.split(['`', ':', ' ']).next())
        .filter(|n| n.starts_with("x-pasarela-"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_reference_documents_exactly_the_extensions_that_are_read() {
    let read: BTreeSet<String> = EXTENSIONS.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(
        documented(),
        read,
        "docs/spec-extensions.md and extensions::EXTENSIONS differ"
    );
}

#[test]
fn every_documented_extension_is_accepted_in_its_place() {
    let text = every_extension_text();
    for name in documented() {
        assert!(
            text.contains(&format!("{name}:")),
            "{EVERY} does not use {name}"
        );
    }
    check(&text).unwrap_or_else(|d| panic!("{d}"));
}

/// Ways people misspell a name: `_` for `-`, camelCase, a letter missing,
/// a typo in the prefix, an extra letter.
fn misspellings(name: &str) -> Vec<String> {
    let rest = name.strip_prefix("x-pasarela-").unwrap_or(name);
    let mut out = Vec::new();
    if rest.contains('-') {
        out.push(format!("x-pasarela-{}", rest.replace('-', "_")));
        let mut camel = String::new();
        let mut upper = false;
        for c in rest.chars() {
            if c == '-' {
                upper = true;
            } else if upper {
                camel.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                camel.push(c);
            }
        }
        out.push(format!("x-pasarela-{camel}"));
    }
    out.push(name[..name.len() - 1].to_string());
    out.push(format!("x-pasarla-{rest}"));
    out.push(format!("{name}s"));
    out
}

fn assert_refused(text: &str, wrong: &str, right: &str) {
    let d = check(text).expect_err(&format!("`{wrong}` must be refused"));
    let hit =
        d.0.iter()
            .find(|d| d.message.contains(&format!("`{wrong}`")));
    let hit = hit.unwrap_or_else(|| panic!("no diagnostic names `{wrong}`:\n{d}"));
    let hint = hit.hint.as_deref().unwrap_or_default();
    assert!(hint.contains(&format!("did you mean `{right}`")), "{hit}");
    assert!(hit.pos.line > 1, "{hit}");
}

#[test]
fn every_misspelt_extension_name_is_refused_with_did_you_mean() {
    let text = every_extension_text();
    for spec in EXTENSIONS {
        for wrong in misspellings(spec.name) {
            let changed = text.replace(&format!("{}:", spec.name), &format!("{wrong}:"));
            assert_ne!(changed, text);
            assert_refused(&changed, &wrong, spec.name);
        }
    }
}

fn sub_keys(shape: &Shape, out: &mut BTreeSet<&'static str>) {
    match shape {
        Shape::Map(keys) | Shape::MapOrFalse(keys) => {
            for k in *keys {
                out.insert(k.name);
                sub_keys(&k.shape, out);
            }
        }
        Shape::List(item) => sub_keys(item, out),
        _ => {}
    }
}

#[test]
fn every_misspelt_sub_key_is_refused_with_did_you_mean() {
    let text = every_extension_text();
    let mut keys = BTreeSet::new();
    for spec in EXTENSIONS {
        sub_keys(&spec.shape, &mut keys);
    }
    assert!(keys.contains("non-empty") && keys.contains("file-name"));
    for key in keys {
        let mut wrongs = vec![format!("{key}x")];
        if key.contains('-') {
            wrongs.push(key.replace('-', "_"));
        }
        for wrong in wrongs {
            // Keys appear as `key:` in block style and `{key: ...` / `, key: ...` in flow style.
            let changed = text
                .replace(&format!(" {key}:"), &format!(" {wrong}:"))
                .replace(&format!("{{{key}:"), &format!("{{{wrong}:"));
            assert_ne!(changed, text, "{key} is not used in {EVERY}");
            let d = check(&changed).expect_err(&format!("`{wrong}` must be refused"));
            let hit =
                d.0.iter()
                    .find(|d| d.message.contains(&format!("has no key `{wrong}`")))
                    .unwrap_or_else(|| panic!("no diagnostic names `{wrong}`:\n{d}"));
            let hint = hit.hint.as_deref().unwrap_or_default();
            assert!(hint.contains(&format!("did you mean `{key}`")), "{hit}");
        }
    }
}

#[test]
fn a_value_of_the_wrong_type_is_refused() {
    let text = every_extension_text();
    for (from, to, message) in [
        (
            "x-pasarela-moves-money: true",
            "x-pasarela-moves-money: yes",
            "`x-pasarela-moves-money` must be `true` or `false`, found `yes`",
        ),
        (
            "x-pasarela-outcome-reference: /order/id",
            "x-pasarela-outcome-reference: order.id",
            "`x-pasarela-outcome-reference` must be a JSON pointer",
        ),
        (
            "{path: /data/rejected, non-empty: true}",
            "{path: /data/rejected, non-empty: 1}",
            "`x-pasarela-envelope.rules[0].when[0].non-empty` must be `true` or `false`",
        ),
        (
            "outcome: partial\n",
            "outcome: partal\n",
            "`x-pasarela-envelope.rules[0].outcome` cannot be `partal`",
        ),
        (
            "x-pasarela-as-text: true",
            "x-pasarela-as-text: number",
            "`x-pasarela-as-text` must be `true` or `false`, found `number`",
        ),
        (
            "encodings: [utf-8, windows-1252]",
            "encodings: utf-8",
            "`x-pasarela-csv.encodings` must be a list",
        ),
        (
            "code: /header/code\n",
            "cod: /header/code\n",
            "`x-pasarela-envelope` needs `code`",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let d = check(&text.replacen(from, to, 1)).expect_err(to);
        assert!(
            d.0.iter()
                .any(|d| d.message.contains(message) && d.pos.line > 1),
            "expected `{message}`:\n{d}"
        );
    }
}

#[test]
fn an_extension_where_it_has_no_effect_is_refused() {
    let text = every_extension_text();
    for (from, to, message) in [
        (
            "      x-pasarela-moves-money: true\n",
            "      summary: x\n",
            "",
        ),
        (
            "            state: {type: string}",
            "            state: {type: string, x-pasarela-moves-money: true}",
            "`x-pasarela-moves-money` has no effect on an object property",
        ),
        (
            "      operationId: getStatus\n",
            "      operationId: getStatus\n      x-pasarela-envelope: {code: /a, data: /b}\n",
            "`x-pasarela-envelope` has no effect on an operation",
        ),
        (
            "    Status:\n      type: object\n",
            "    Status:\n      type: object\n      x-pasarela-error-code: true\n",
            "`x-pasarela-error-code` has no effect on a schema",
        ),
        (
            "info: {title: Every extension, version: \"1\"}",
            "info: {title: Every extension, version: \"1\", x-pasarela-module: m}",
            "`x-pasarela-module` has no effect on this object",
        ),
    ] {
        if message.is_empty() {
            // Removing an extension is fine: the rest still generates.
            check(&text.replacen(from, to, 1)).unwrap_or_else(|d| panic!("{d}"));
            continue;
        }
        let d = check(&text.replacen(from, to, 1)).expect_err(to);
        assert!(
            d.0.iter()
                .any(|d| d.message.contains(message) && d.hint.is_some()),
            "expected `{message}`:\n{d}"
        );
    }
}

#[test]
fn extensions_of_other_tools_are_left_alone() {
    let text = every_extension_text().replace(
        "      operationId: getStatus\n",
        "      operationId: getStatus\n      x-amazon-apigateway-integration: {type: http}\n      x-codeSamples: [{lang: rust}]\n",
    );
    check(&text).unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn an_extension_that_contradicts_the_standard_type_is_refused() {
    let text = every_extension_text();
    // `x-pasarela-as-text` keeps a number as text; on a string it would
    // say the wire carries something the schema denies.
    let changed = text.replace(
        "              type: integer\n              pattern: \"^[1-9][0-9]*$\"",
        "              type: string\n              pattern: \"^[1-9][0-9]*$\"",
    );
    assert_ne!(changed, text);
    let d = check(&changed).expect_err("as-text on a string");
    assert!(
        d.0.iter().any(|d| d
            .message
            .contains("`x-pasarela-as-text` applies to `type: integer`")
            && d.hint
                .as_deref()
                .unwrap_or_default()
                .contains("type the wire carries")),
        "{d}"
    );
    // The retired wire-type extension points at the standard construct.
    let retired = text.replace("x-pasarela-as-text: true", "x-pasarela-wire-type: number");
    let d = check(&retired).expect_err("retired");
    let hit =
        d.0.iter()
            .find(|d| d.message.contains("no longer read"))
            .expect("diagnosed");
    assert!(
        hit.hint
            .as_deref()
            .unwrap_or_default()
            .contains("type: integer"),
        "{hit}"
    );
}

#[test]
fn the_older_lenient_extension_still_reads_but_points_at_the_standard_form() {
    let source = Source::new(EVERY, every_extension_text());
    let output =
        pasarela_gen::generate(&source, &Config::default()).unwrap_or_else(|d| panic!("{d}"));
    let count = output
        .api
        .types
        .iter()
        .find_map(|t| match &t.kind {
            pasarela_gen::ir::TypeKind::Struct(fields) => {
                fields.iter().find(|f| f.wire_name == "count")
            }
            _ => None,
        })
        .expect("the `count` field");
    assert!(count.lenient, "read as before: {count:?}");
    let warning = output
        .warnings
        .0
        .iter()
        .find(|d| {
            d.message
                .contains("`x-pasarela-lenient` says the wire may carry a digit string")
        })
        .unwrap_or_else(|| panic!("warned: {}", output.warnings));
    assert!(
        warning
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("anyOf: [{type: integer}, {type: string, pattern: '^-?[0-9]+$'}]"),
        "{warning}"
    );
}

/// `x-pasarela-read-as` types a text response in Rust while the standard schema says
/// what the wire carries: the same client as an object schema on the media
/// type, but a spec whose text example a standard validator accepts.
#[test]
fn read_as_types_text_that_the_wire_schema_calls_a_string() {
    let api = |media_schema: &str| {
        let text = format!(
            r#"openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /import:
    post:
      operationId: importRows
      responses:
        "200":
          description: OK
          content:
            text/plain:
              schema: {media_schema}
              example: "OK: 7"
          x-pasarela-text-result:
            ok-pattern: '^OK:\s*(?P<count>\d+)$'
components:
  schemas:
    Counted:
      type: object
      required: [count]
      properties:
        count: {{type: integer}}
"#
        );
        pasarela_gen::check(&Source::new("t.yaml", text)).expect("checks")
    };
    let new = api(
        r##"{type: string, pattern: "^OK:", x-pasarela-read-as: {$ref: "#/components/schemas/Counted"}}"##,
    );
    let old = api(r##"{$ref: "#/components/schemas/Counted"}"##);
    let (new, old) = (&new.operations[0].success, &old.operations[0].success);
    assert_eq!(
        new.ty, old.ty,
        "read-as gives the type the schema used to give"
    );
    assert_eq!(
        format!("{:?}", new.ty),
        r#"Some(Named("Counted"))"#,
        "the Rust side is the read-as schema"
    );
    // Without read-as, a string wire schema stays a String.
    let plain = api(r#"{type: string}"#);
    assert_eq!(
        format!("{:?}", plain.operations[0].success.ty),
        "Some(String)"
    );
}
