//! Swagger 2.0 documents are upgraded to the OpenAPI 3.0 shape after
//! loading: checks of the lowered IR for `tests/fixtures/swagger2.yaml`, of
//! diagnostics pointing into the 2.0 file, and of a real 2.0 document.

use std::path::PathBuf;

use pasarela_gen::ir::{
    Api, BodyEncoding, Operation, ParamLocation, ResponseDecoding, SchemeKind, StatusMatch,
    TypeKind, TypeRef,
};
use pasarela_gen::{Diagnostics, Source};

fn fixture() -> Api {
    let relative = "tests/fixtures/swagger2.yaml";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    pasarela_gen::check(&Source::new(relative, text))
        .unwrap_or_else(|d| panic!("{relative} does not check:\n{d}"))
}

fn op<'a>(api: &'a Api, id: &str) -> &'a Operation {
    api.operations
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

fn errors_of(text: &str) -> Diagnostics {
    match pasarela_gen::check(&Source::new("api-2.0.yaml", text)) {
        Ok(_) => panic!("expected diagnostics for:\n{text}"),
        Err(d) => d,
    }
}

/// The 1-based line and column of the first occurrence of `needle`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .unwrap_or_else(|| panic!("`{needle}` is not in the text"))
}

#[test]
fn servers_come_from_host_base_path_and_schemes() {
    let api = fixture();
    assert_eq!(
        api.servers,
        ["https://pets.example.com/v2", "http://pets.example.com/v2"]
    );
    assert_eq!(api.title, "Pet Store (Swagger 2.0)");
}

#[test]
fn definitions_become_named_types_and_refs_follow() {
    let api = fixture();
    let mut names: Vec<&str> = api
        .types
        .iter()
        .filter(|t| matches!(t.kind, TypeKind::Struct(_)))
        .map(|t| t.name.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Category", "NewPet", "Pet", "Problem"]);
    let Some(TypeKind::Struct(fields)) = api
        .types
        .iter()
        .find(|t| t.name == "NewPet")
        .map(|t| &t.kind)
    else {
        panic!("NewPet is not a struct");
    };
    let field = |wire: &str| {
        fields
            .iter()
            .find(|f| f.wire_name == wire)
            .unwrap_or_else(|| panic!("no field {wire}"))
    };
    assert_eq!(field("category").ty, TypeRef::Named("Category".into()));
    assert!(field("name").required);
    assert!(
        !field("tag").required,
        "`x-nullable: true` became `nullable: true`"
    );
    assert_eq!(
        op(&api, "listPets").success.ty,
        Some(TypeRef::Vec(Box::new(TypeRef::Named("Pet".into()))))
    );
    let errors: Vec<(StatusMatch, Option<TypeRef>)> = op(&api, "createPet")
        .errors
        .iter()
        .map(|e| (e.matcher, e.ty.clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                StatusMatch::Exact(422),
                Some(TypeRef::Named("Problem".into()))
            ),
            (StatusMatch::Default, None),
        ],
        "`$ref: '#/responses/Problem'` follows to its schema"
    );
}

#[test]
fn body_parameters_become_the_request_body() {
    let api = fixture();
    for id in ["createPet", "replacePet"] {
        let operation = op(&api, id);
        let body = operation
            .body
            .as_ref()
            .unwrap_or_else(|| panic!("{id} has no body"));
        assert_eq!(body.encoding, BodyEncoding::Json, "{id}");
        assert_eq!(body.content_type, "application/json", "{id}");
        assert_eq!(body.ty, TypeRef::Named("NewPet".into()), "{id}");
        assert!(
            operation.params.iter().all(|p| p.wire_name != "pet"),
            "{id}: the body parameter is not also a parameter"
        );
    }
}

#[test]
fn form_data_becomes_multipart_parts() {
    let api = fixture();
    let upload = op(&api, "uploadPhoto");
    let body = upload.body.as_ref().expect("uploadPhoto has a body");
    assert_eq!(body.encoding, BodyEncoding::Multipart);
    assert_eq!(body.content_type, "multipart/form-data");
    let parts: Vec<(&str, bool)> = upload
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Part)
        .map(|p| (p.wire_name.as_str(), p.required))
        .collect();
    assert_eq!(parts, [("file", true), ("caption", false)]);
    let file = upload
        .params
        .iter()
        .find(|p| p.wire_name == "file")
        .expect("file part");
    assert_eq!(file.description.as_deref(), Some("The photo."));
    assert_eq!(upload.security, [["basicAuth"]]);
}

#[test]
fn parameters_keep_their_types_and_shared_ones_are_referenced() {
    let api = fixture();
    let list = op(&api, "listPets");
    let param = |name: &str| {
        list.params
            .iter()
            .find(|p| p.wire_name == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
    };
    assert_eq!(param("tags").ty, TypeRef::Vec(Box::new(TypeRef::String)));
    assert_eq!(
        param("status").ty,
        TypeRef::Vec(Box::new(TypeRef::Named("ListPetsStatusItem".into())))
    );
    let limit = param("limit");
    assert_eq!(limit.location, ParamLocation::Query);
    assert_eq!(
        limit.ty,
        TypeRef::U32,
        "int32 with `minimum: 1` is unsigned"
    );
    assert!(limit.constraints.minimum.is_some() && limit.constraints.maximum.is_some());
    assert_eq!(
        op(&api, "getPetCard").success.decoding,
        ResponseDecoding::Text,
        "per-operation `produces: [text/plain]`"
    );
}

#[test]
fn oauth2_application_flow_is_client_credentials() {
    let api = fixture();
    let kinds: Vec<(&str, &SchemeKind)> = api
        .security_schemes
        .iter()
        .map(|s| (s.name.as_str(), &s.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "petsOauth",
                &SchemeKind::OAuth2ClientCredentials {
                    token_url: "https://auth.example.com/oauth/token".into(),
                    scopes: vec!["pets:read".into(), "pets:write".into()],
                }
            ),
            ("basicAuth", &SchemeKind::HttpBasic),
        ]
    );
    assert_eq!(op(&api, "listPets").security, [["petsOauth"]]);
}

const BROKEN: &str = r#"swagger: "2.0"
info: {title: Broken, version: "1"}
paths:
  /pets/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, type: string}
        - $ref: '#/parameters/limt'
      responses:
        "200":
          description: OK
          schema:
            $ref: '#/definitions/Pett'
definitions:
  Pet:
    type: object
    properties:
      name: {type: strin}
parameters:
  limit: {name: limit, in: query, type: integer}
"#;

#[test]
fn diagnostics_point_at_the_swagger_2_file() {
    let diagnostics = errors_of(BROKEN);
    let find = |fragment: &str| {
        diagnostics
            .0
            .iter()
            .find(|d| d.message.contains(fragment))
            .unwrap_or_else(|| panic!("no diagnostic about {fragment}:\n{diagnostics}"))
    };

    let pett = find("#/definitions/Pett");
    let (line, column) = line_col(BROKEN, "'#/definitions/Pett'");
    assert_eq!((pett.pos.line, pett.pos.column), (line, column));
    assert_eq!(pett.file, "api-2.0.yaml");
    assert!(pett
        .source_line
        .as_deref()
        .is_some_and(|l| l.contains("Pett")));
    assert_eq!(
        pett.hint.as_deref(),
        Some("did you mean `#/definitions/Pet`?"),
        "the hint speaks Swagger 2.0"
    );

    let limt = find("#/parameters/limt");
    assert_eq!(limt.pos.line, line_col(BROKEN, "limt").0);
    assert_eq!(
        limt.hint.as_deref(),
        Some("did you mean `#/parameters/limit`?")
    );

    // Reported by a later stage, on the upgraded tree: still the 2.0 line.
    let strin = find("`strin`");
    assert_eq!(
        (strin.pos.line, strin.pos.column),
        line_col(BROKEN, "strin}")
    );
    assert!(strin.hint.is_some());
    assert_eq!(diagnostics.len(), 3, "{diagnostics}");
}

#[test]
fn other_swagger_versions_are_refused_with_a_hint() {
    let diagnostics = errors_of("swagger: '1.2'\ninfo: {title: T, version: '1'}\npaths: {}\n");
    assert_eq!(diagnostics.len(), 1, "{diagnostics}");
    let d = &diagnostics.0[0];
    assert!(d.message.contains("1.2"), "{d}");
    assert_eq!(d.pos.line, 1);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("2.0")), "{d}");
}

#[test]
fn an_unknown_oauth2_flow_is_reported_in_2_0_terms() {
    let text = "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths: {}\nsecurityDefinitions:\n  o: {type: oauth2, flow: clientCredentials, tokenUrl: 'https://t', scopes: {}}\n";
    let diagnostics = errors_of(text);
    assert_eq!(diagnostics.len(), 1, "{diagnostics}");
    let d = &diagnostics.0[0];
    assert_eq!(
        (d.pos.line, d.pos.column),
        line_col(text, "clientCredentials")
    );
    assert!(
        d.hint.as_deref().is_some_and(|h| h.contains("application")),
        "{d}"
    );
}

/// The corpus's `netlify.yml`, a real Swagger 2.0 document (174
/// operations), read in place.
#[test]
fn netlify_swagger_2_document_checks() {
    let Some(path) = pasarela_corpus::document("netlify.yml", "the netlify.yml check") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("corpus document");
    match pasarela_gen::check(&Source::new("netlify.yml", text)) {
        Ok(api) => {
            println!(
                "netlify.yml: ok ({} operations, {} types)",
                api.operations.len(),
                api.types.len()
            );
            assert_eq!(api.servers, ["https://api.netlify.com/api/v1"]);
            assert!(api.operations.len() > 100);
        }
        Err(d) => {
            println!("netlify.yml: {} diagnostic(s):\n{d}", d.len());
            for one in &d.0 {
                assert!(one.hint.is_some(), "a diagnostic without a hint:\n{one}");
                assert!(one.pos.line > 0, "no position:\n{one}");
            }
        }
    }
}
