//! How the generator reads pagination: `x-pasarela-pagination` checked
//! against the operation (its query parameters, and pointers through its
//! success type), Dropshot's marker, and the `info` that suggests the
//! extension for an evidently paginated operation. The streams themselves
//! are tested with the generated client in `fixture-check/tests/pagination.rs`.

use pasarela_gen::diagnostics::Severity;
use pasarela_gen::ir::{PageScheme, TypeRef};
use pasarela_gen::{check_with, Checked, Config, Diagnostics, Source};

fn read(text: &str) -> Result<Checked, Diagnostics> {
    check_with(&Source::new("pages.yaml", text), &Config::default())
}

/// One GET `/l` with `ext` on it, query parameters `cursor` and `limit`,
/// answering `{items: [Item], has_more: bool, next: string}`.
fn doc(ext: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /l:
    get:
      operationId: listThings
      {ext}
      parameters: [{{name: cursor, in: query, schema: {{type: string}}}}, {{name: limit, in: query, schema: {{type: integer}}}}]
      responses:
        '200':
          description: A page.
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {{type: array, items: {{$ref: '#/components/schemas/Thing'}}}}
                  has_more: {{type: boolean}}
                  next: {{type: string}}
components:
  schemas:
    Thing: {{type: object, properties: {{id: {{type: string}}}}}}
"#
    )
}

#[test]
fn a_declaration_gives_the_item_type_from_the_items_pointer() {
    let checked = read(&doc(
        "x-pasarela-pagination: {scheme: cursor, cursor-param: cursor, cursor-field: /next, size-param: limit, items: /items, has-more: /has_more}",
    ))
    .unwrap_or_else(|d| panic!("{d}"));
    let p = checked.api.operations[0]
        .pagination
        .as_ref()
        .expect("paginated");
    assert_eq!(p.item, TypeRef::Named("Thing".into()));
    assert!(matches!(&p.scheme, PageScheme::Cursor { param, .. } if param == "cursor"));
}

#[test]
fn declarations_that_do_not_fit_the_operation_are_refused_saying_why() {
    for (ext, message) in [
        (
            "x-pasarela-pagination: {scheme: cursor, cursor-param: token, cursor-field: /next, items: /items}",
            "names query parameter `token`, which the operation does not declare",
        ),
        (
            "x-pasarela-pagination: {scheme: cursor, cursor-param: cursor, cursor-field: /next, items: /has_more}",
            "`/has_more` does not name a list of items",
        ),
        (
            "x-pasarela-pagination: {scheme: cursor, cursor-param: cursor, cursor-field: /nxt, items: /items}",
            "there is no property `nxt`",
        ),
        (
            "x-pasarela-pagination: {scheme: cursor, cursor-param: cursor, cursor-field: /next, items: /items, has-more: /next}",
            "`/next` is not a boolean",
        ),
        (
            "x-pasarela-pagination: {scheme: cursor, cursor-param: cursor, items: /items}",
            "needs one of `cursor-field`, `cursor-header` or `cursor-item-field`",
        ),
        (
            "x-pasarela-pagination: {scheme: pages, page-param: cursor}",
            "`x-pasarela-pagination.scheme` cannot be `pages`",
        ),
    ] {
        let d = read(&doc(ext)).expect_err(ext);
        assert!(
            d.errors().any(|e| e.message.contains(message) && e.pos.line > 1),
            "expected `{message}`:\n{d}"
        );
    }
}

#[test]
fn an_evidently_paginated_operation_gets_an_info_not_a_guess() {
    let checked = read(&doc("")).unwrap_or_else(|d| panic!("{d}"));
    assert!(checked.api.operations[0].pagination.is_none(), "no guess");
    let infos: Vec<_> = checked
        .warnings
        .iter()
        .filter(|d| d.severity == Severity::Info)
        .collect();
    assert_eq!(infos.len(), 1, "{}", checked.warnings);
    assert!(
        infos[0]
            .message
            .contains("query parameter `cursor`, response field `has_more`"),
        "{}",
        infos[0]
    );
    assert_eq!(checked.warnings.warnings().count(), 0);
}

#[test]
fn a_dropshot_marker_on_an_answer_that_is_not_a_page_is_a_warning() {
    let text =
        doc("x-dropshot-pagination: {required: []}").replace("name: cursor", "name: page_token");
    let checked = read(&text).unwrap_or_else(|d| panic!("{d}"));
    // The page has `items` but no `next_page`: not a Dropshot page.
    assert!(checked.api.operations[0].pagination.is_none());
    assert!(
        checked
            .warnings
            .warnings()
            .any(|w| w.message.contains("x-dropshot-pagination")),
        "{}",
        checked.warnings
    );
}
