//! Part of stage 1: Swagger 2.0 → the OpenAPI 3.0 shape, tree to tree.
//!
//! [`upgrade`] turns a loaded `swagger: "2.0"` document into the tree an
//! OpenAPI 3.0.3 document would load as, following the OpenAPI 3.0
//! specification's upgrade notes and what `swagger2openapi` does:
//!
//! - `host` + `basePath` + `schemes` → `servers`;
//! - `definitions`, `parameters`, `responses`, `securityDefinitions` →
//!   `components.{schemas, parameters (+ requestBodies), responses, securitySchemes}`,
//!   and every `$ref` to them follows;
//! - `in: body` and `in: formData` parameters → `requestBody`, with media
//!   types from `consumes`; responses' `schema` → `content` from `produces`;
//! - parameter and header `type`/`format`/`items`/… → `schema`,
//!   `collectionFormat` → `style`/`explode`;
//! - in schemas, `x-nullable` → `nullable`, `type: file` → binary string,
//!   a `discriminator` name → `{propertyName}`.
//!
//! Every node copied from the 2.0 document keeps its position, and every new
//! node takes the position of the 2.0 node it comes from, so diagnostics of
//! later stages point into the original file. Nothing here panics: input of
//! an unexpected shape is copied through for the later stages to judge, and
//! the few problems only visible here (a `$ref` to nothing, an unknown OAuth2
//! flow, two bodies) are reported in Swagger 2.0 terms.

use crate::diagnostics::{Pos, Reporter};
use crate::load::{Key, Node, Value};
use crate::resolve::{closest, Doc, RefError};

/// The OpenAPI version an upgraded document declares.
pub const UPGRADED_VERSION: &str = "3.0.3";

/// The media type used where a 2.0 document declares no `consumes`/`produces`.
const DEFAULT_MEDIA: &str = "application/json";
const MULTIPART: &str = "multipart/form-data";
const URLENCODED: &str = "application/x-www-form-urlencoded";

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// The keys of a 2.0 non-body parameter, header or `items` object that
/// describe its value; they move into `schema`.
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
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
    "enum",
    "multipleOf",
    "x-nullable",
];

/// Maps whose keys are names (of properties, components, paths, …), not
/// keywords: a key `example` or `$ref` there is a name like any other.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "definitions",
    "schemas",
    "parameters",
    "requestBodies",
    "responses",
    "securitySchemes",
    "headers",
    "content",
    "paths",
    "encoding",
];

/// True when `root` is a Swagger 2.0 document: `swagger: "2.0"` and no
/// `openapi` field.
pub fn is_swagger2(root: &Node) -> bool {
    root.get("openapi").is_none() && root.str_at("swagger") == Some("2.0")
}

/// Upgrades a Swagger 2.0 document (see [`is_swagger2`]) to the OpenAPI
/// 3.0.3 shape, keeping the original positions. Problems only visible in
/// the 2.0 form are reported to `reporter`; the tree returned is still the
/// best upgrade possible, so that later stages can report theirs too.
pub fn upgrade(root: &Node, reporter: &mut Reporter<'_>) -> Node {
    let Some(entries) = root.entries() else {
        return root.clone();
    };
    let mut up = Upgrader {
        doc: Doc::new(root),
        reporter,
        consumes: media_list(root.get("consumes")).unwrap_or_default(),
        produces: media_list(root.get("produces")).unwrap_or_default(),
    };
    let mut out = up.document(entries, root.pos);
    up.fix_refs(&mut out, false);
    out
}

struct Upgrader<'a, 'r, 'f> {
    /// The original 2.0 document, where `$ref`s are checked.
    doc: Doc<'a>,
    reporter: &'r mut Reporter<'f>,
    /// The document's `consumes`, empty when not declared.
    consumes: Vec<String>,
    /// The document's `produces`, empty when not declared.
    produces: Vec<String>,
}

/// A body parameter as found in a parameter list.
#[derive(Clone, Copy)]
enum BodyParam<'a> {
    /// Written in place.
    Inline(&'a Node),
    /// `{$ref: '#/parameters/X'}`: the list item and the parameter it names.
    Ref { item: &'a Node, target: &'a Node },
}

impl<'a> BodyParam<'a> {
    fn pos(self) -> Pos {
        match self {
            BodyParam::Inline(p) => p.pos,
            BodyParam::Ref { item, .. } => item.pos,
        }
    }
}

/// A 2.0 parameter list, sorted into what it becomes in 3.0.
#[derive(Default)]
struct ParamSet<'a> {
    /// Path, query and header parameters, upgraded (or `$ref`s to them).
    regular: Vec<Node>,
    /// The `in: body` parameter.
    body: Option<BodyParam<'a>>,
    /// The `in: formData` parameters (references followed).
    form: Vec<&'a Node>,
}

fn key(name: &str, pos: Pos) -> Key {
    Key {
        name: name.to_string(),
        pos,
    }
}

fn scalar(text: &str, pos: Pos) -> Node {
    Node {
        pos,
        value: Value::Scalar(text.to_string()),
    }
}

fn map(pos: Pos, entries: Vec<(Key, Node)>) -> Node {
    Node {
        pos,
        value: Value::Map(entries),
    }
}

fn seq(pos: Pos, items: Vec<Node>) -> Node {
    Node {
        pos,
        value: Value::Seq(items),
    }
}

fn entry(name: &str, pos: Pos, value: Node) -> (Key, Node) {
    (key(name, pos), value)
}

/// A `consumes`/`produces` list; a lone string is taken as a list of one.
fn media_list(node: Option<&Node>) -> Option<Vec<String>> {
    let node = node?;
    match &node.value {
        Value::Seq(items) => Some(
            items
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect(),
        ),
        Value::Scalar(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

fn or_default_media(list: &[String]) -> Vec<String> {
    if list.is_empty() {
        vec![DEFAULT_MEDIA.to_string()]
    } else {
        list.to_vec()
    }
}

fn is_extension(name: &str) -> bool {
    name.starts_with("x-")
}

/// 2.0 `collectionFormat` → 3.0 `style` and `explode` for a parameter in `location`.
fn style_for(format: &str, location: &str) -> Option<(&'static str, bool)> {
    let in_query = matches!(location, "query" | "cookie");
    match format {
        "csv" if in_query => Some(("form", false)),
        "csv" => Some(("simple", false)),
        "multi" => Some(("form", true)),
        "ssv" => Some(("spaceDelimited", false)),
        "pipes" => Some(("pipeDelimited", false)),
        _ => None,
    }
}

impl<'a> Upgrader<'a, '_, '_> {
    fn root(&self) -> &'a Node {
        self.doc.root
    }

    // ---- the document ---------------------------------------------------

    fn document(&mut self, entries: &'a [(Key, Node)], pos: Pos) -> Node {
        let mut out = Vec::new();
        let (mut servers_done, mut components_done) = (false, false);
        for (k, v) in entries {
            match k.name.as_str() {
                "swagger" => out.push(entry("openapi", k.pos, scalar(UPGRADED_VERSION, v.pos))),
                "host" | "basePath" | "schemes" => {
                    if !servers_done {
                        servers_done = true;
                        if let Some(servers) = self.servers(self.root().get("schemes"), k.pos) {
                            out.push(entry("servers", k.pos, servers));
                        }
                    }
                }
                // Used by the operations that do not declare their own.
                "consumes" | "produces" => {}
                "definitions" | "parameters" | "responses" | "securityDefinitions" => {
                    if !components_done {
                        components_done = true;
                        let components = self.components(k.pos);
                        out.push(entry("components", k.pos, components));
                    }
                }
                "paths" => out.push((k.clone(), self.paths(v))),
                "openapi" | "servers" | "components" => self.reporter.error(
                    k.pos,
                    format!("`{}` is OpenAPI 3 syntax, in a Swagger 2.0 document", k.name),
                    Some(
                        "write the document in one version: Swagger 2.0 uses `host`/`basePath`/`schemes`, `definitions`, `parameters`, `responses` and `securityDefinitions`"
                            .into(),
                    ),
                ),
                _ => out.push((k.clone(), v.clone())),
            }
        }
        map(pos, out)
    }

    /// `servers` from the document's `host` and `basePath` and `schemes`
    /// (the document's, or an operation's own).
    fn servers(&mut self, schemes: Option<&Node>, pos: Pos) -> Option<Node> {
        let root = self.root();
        let host = root.get("host").filter(|h| h.as_str().is_some());
        let base = root.get("basePath").filter(|b| b.as_str().is_some());
        let base_text = base.and_then(Node::as_str).unwrap_or("");
        let base_trimmed = base_text.trim_end_matches('/');
        let server = |url: String, at: Pos| map(at, vec![entry("url", at, scalar(&url, at))]);
        match (host, host.and_then(Node::as_str)) {
            (Some(h), Some(host_text)) => {
                let mut names: Vec<&str> = schemes
                    .and_then(Node::items)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                if names.is_empty() {
                    names.push("https");
                }
                let host_text = host_text.trim_end_matches('/');
                let urls: Vec<String> = if host_text.contains("://") {
                    vec![format!("{host_text}{base_trimmed}")]
                } else {
                    names
                        .iter()
                        .map(|s| format!("{s}://{host_text}{base_trimmed}"))
                        .collect()
                };
                Some(seq(
                    pos,
                    urls.into_iter().map(|u| server(u, h.pos)).collect(),
                ))
            }
            _ => {
                let b = base?;
                let url = if base_trimmed.is_empty() {
                    "/"
                } else {
                    base_trimmed
                };
                Some(seq(pos, vec![server(url.to_string(), b.pos)]))
            }
        }
    }

    fn components(&mut self, pos: Pos) -> Node {
        let root = self.root();
        let mut sections = Vec::new();
        for (k, v) in root.entries().unwrap_or(&[]) {
            match k.name.as_str() {
                "definitions" => {
                    let schemas = self.named_map(k, v, Self::schema);
                    sections.push(entry("schemas", k.pos, schemas));
                }
                "parameters" => {
                    let (params, bodies) = self.parameter_components(k, v);
                    if let Some(params) = params {
                        sections.push(entry("parameters", k.pos, params));
                    }
                    if let Some(bodies) = bodies {
                        sections.push(entry("requestBodies", k.pos, bodies));
                    }
                }
                "responses" => {
                    let produces = or_default_media(&self.produces);
                    let responses = self.named_map(k, v, |this, r| this.response(r, &produces));
                    sections.push(entry("responses", k.pos, responses));
                }
                "securityDefinitions" => {
                    let schemes = self.named_map(k, v, Self::security_scheme);
                    sections.push(entry("securitySchemes", k.pos, schemes));
                }
                _ => {}
            }
        }
        map(pos, sections)
    }

    /// A mapping of named things, each upgraded by `each`; anything but a
    /// mapping is reported and left empty.
    fn named_map(
        &mut self,
        section: &Key,
        node: &'a Node,
        mut each: impl FnMut(&mut Self, &'a Node) -> Node,
    ) -> Node {
        let Some(entries) = node.entries() else {
            self.not_a_map(section, node);
            return map(node.pos, Vec::new());
        };
        let out = entries
            .iter()
            .map(|(k, v)| {
                if is_extension(&k.name) {
                    (k.clone(), v.clone())
                } else {
                    (k.clone(), each(self, v))
                }
            })
            .collect();
        map(node.pos, out)
    }

    fn not_a_map(&mut self, section: &Key, node: &Node) {
        self.reporter.error(
            node.pos,
            format!(
                "`{}` must be a mapping, found {}",
                section.name,
                node.kind()
            ),
            Some(format!(
                "map each name to its definition: `{}: {{Name: {{...}}}}`",
                section.name
            )),
        );
    }

    /// The document's `parameters`: path, query and header ones become
    /// `components.parameters`, body ones `components.requestBodies`. Form
    /// fields are copied into each operation that refers to them.
    fn parameter_components(
        &mut self,
        section: &Key,
        node: &'a Node,
    ) -> (Option<Node>, Option<Node>) {
        let Some(entries) = node.entries() else {
            self.not_a_map(section, node);
            return (None, None);
        };
        let consumes = or_default_media(&self.consumes);
        let (mut params, mut bodies) = (Vec::new(), Vec::new());
        for (k, raw) in entries {
            let target = self.doc.deref(raw).unwrap_or(raw);
            match target.str_at("in") {
                Some("body") => bodies.push((k.clone(), self.body_request(target, &consumes))),
                Some("formData") => {}
                _ if raw.get("$ref").is_some() => params.push((k.clone(), raw.clone())),
                _ => params.push((k.clone(), self.parameter(raw, None))),
            }
        }
        let section = |items: Vec<(Key, Node)>| (!items.is_empty()).then(|| map(node.pos, items));
        (section(params), section(bodies))
    }

    // ---- paths and operations ---------------------------------------------

    fn paths(&mut self, paths: &'a Node) -> Node {
        let Some(entries) = paths.entries() else {
            return paths.clone();
        };
        let out = entries
            .iter()
            .map(|(k, item)| {
                if is_extension(&k.name) {
                    (k.clone(), item.clone())
                } else {
                    (k.clone(), self.path_item(item))
                }
            })
            .collect();
        map(paths.pos, out)
    }

    fn path_item(&mut self, item: &'a Node) -> Node {
        let Some(entries) = item.entries() else {
            return item.clone();
        };
        let shared = match item.get("parameters") {
            Some(list) => self.param_set(list),
            None => ParamSet::default(),
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "parameters" => {
                    if !shared.regular.is_empty() {
                        out.push((k.clone(), seq(v.pos, shared.regular.clone())));
                    }
                }
                m if METHODS.contains(&m) => out.push((k.clone(), self.operation(v, &shared))),
                _ => out.push((k.clone(), v.clone())),
            }
        }
        map(item.pos, out)
    }

    /// Sorts a parameter list. `$ref`s are followed in the 2.0 document to
    /// learn where the parameter goes; one to nothing is reported and left out.
    fn param_set(&mut self, list: &'a Node) -> ParamSet<'a> {
        let mut set = ParamSet::default();
        let Some(items) = list.items() else {
            // Not a list: left for the later stages to report.
            set.regular.push(list.clone());
            return set;
        };
        for item in items {
            let (target, is_ref) = match item.get("$ref") {
                Some(r) => match r.as_str().map(|s| (s, self.follow(s))) {
                    Some((_, Ok(target))) => (target, true),
                    Some((s, Err(RefError::Missing(_)))) => {
                        self.missing_ref(s, r.pos);
                        continue;
                    }
                    // Not a string, external, or a cycle: the later stages say so.
                    _ => {
                        set.regular.push(item.clone());
                        continue;
                    }
                },
                None => (item, false),
            };
            match target.str_at("in") {
                Some("body") => {
                    let found = if is_ref {
                        BodyParam::Ref { item, target }
                    } else {
                        BodyParam::Inline(item)
                    };
                    match set.body {
                        Some(first) => self.reporter.error(
                            item.pos,
                            "more than one `in: body` parameter",
                            Some(format!(
                                "an operation has one body (the first is at line {}); describe all of it in one schema",
                                first.pos().line
                            )),
                        ),
                        None => set.body = Some(found),
                    }
                }
                Some("formData") => {
                    let name = target.str_at("name");
                    set.form.retain(|f| f.str_at("name") != name);
                    set.form.push(target);
                }
                _ if is_ref => set.regular.push(item.clone()),
                _ => set.regular.push(self.parameter(item, None)),
            }
        }
        set
    }

    fn follow(&self, reference: &str) -> Result<&'a Node, RefError> {
        self.doc.pointer(reference).and_then(|n| self.doc.deref(n))
    }

    fn operation(&mut self, op: &'a Node, shared: &ParamSet<'a>) -> Node {
        let Some(entries) = op.entries() else {
            return op.clone();
        };
        let own = match op.get("parameters") {
            Some(list) => self.param_set(list),
            None => ParamSet::default(),
        };
        let consumes = or_default_media(
            &media_list(op.get("consumes")).unwrap_or_else(|| self.consumes.clone()),
        );
        let produces = or_default_media(
            &media_list(op.get("produces")).unwrap_or_else(|| self.produces.clone()),
        );

        // Operation-level form fields override path-level ones of the same name.
        let mut form: Vec<&'a Node> = shared
            .form
            .iter()
            .copied()
            .filter(|f| {
                !own.form
                    .iter()
                    .any(|o| o.str_at("name") == f.str_at("name"))
            })
            .collect();
        form.extend(own.form.iter().copied());
        let body = own.body.or(shared.body);
        let request_body = match (body, form.first()) {
            (Some(b), first_field) => {
                if let Some(field) = first_field {
                    self.reporter.error(
                        field.pos,
                        "an operation cannot have both an `in: body` parameter and `in: formData` parameters",
                        Some(format!(
                            "the body parameter is at line {}; send the fields either as form data or inside the body's schema",
                            b.pos().line
                        )),
                    );
                }
                Some(self.body_param(b, &consumes))
            }
            (None, Some(first)) => Some(self.form_request(&form, &consumes, first.pos)),
            (None, None) => None,
        };
        let has_own_body = op.get("requestBody").is_some();
        let mut request_body = request_body.filter(|_| !has_own_body);

        let mut out = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "parameters" => {
                    if !own.regular.is_empty() {
                        out.push((k.clone(), seq(v.pos, own.regular.clone())));
                    }
                    if let Some(b) = request_body.take() {
                        out.push(entry("requestBody", b.pos, b));
                    }
                }
                "consumes" | "produces" => {}
                "responses" => out.push((k.clone(), self.responses(v, &produces))),
                "schemes" => {
                    if let Some(servers) = self.servers(Some(v), k.pos) {
                        out.push(entry("servers", k.pos, servers));
                    }
                }
                _ => out.push((k.clone(), v.clone())),
            }
        }
        if let Some(b) = request_body {
            out.push(entry("requestBody", b.pos, b));
        }
        map(op.pos, out)
    }

    /// The `requestBody` for a body parameter: a reference to
    /// `components.requestBodies` when the parameter is a shared one and the
    /// operation reads the document's media types, else written in place.
    fn body_param(&mut self, body: BodyParam<'a>, consumes: &[String]) -> Node {
        match body {
            BodyParam::Inline(p) => self.body_request(p, consumes),
            BodyParam::Ref { item, target } => {
                let reference = item.get("$ref").and_then(|r| Some((r, r.as_str()?)));
                match reference {
                    Some((r, text))
                        if consumes == or_default_media(&self.consumes).as_slice()
                            && text.starts_with("#/parameters/") =>
                    {
                        let to = format!(
                            "#/components/requestBodies/{}",
                            &text["#/parameters/".len()..]
                        );
                        let ref_key = item
                            .entries()
                            .and_then(|e| e.iter().find(|(k, _)| k.name == "$ref"))
                            .map_or(item.pos, |(k, _)| k.pos);
                        map(item.pos, vec![entry("$ref", ref_key, scalar(&to, r.pos))])
                    }
                    _ => self.body_request(target, consumes),
                }
            }
        }
    }

    /// `{description, required, content: {<media>: {schema}}}` for a body parameter.
    fn body_request(&mut self, p: &'a Node, consumes: &[String]) -> Node {
        let Some(entries) = p.entries() else {
            return p.clone();
        };
        let schema = p.get("schema").map(|s| self.schema(s));
        let schema_pos = p
            .entries()
            .and_then(|e| e.iter().find(|(k, _)| k.name == "schema"))
            .map_or(p.pos, |(k, _)| k.pos);
        let media = or_default_media(consumes)
            .iter()
            .map(|m| {
                let mut media_entries = Vec::new();
                if let Some(s) = &schema {
                    media_entries.push(entry("schema", schema_pos, s.clone()));
                }
                entry(m, schema_pos, map(schema_pos, media_entries))
            })
            .collect();
        let mut out = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "description" | "required" => out.push((k.clone(), v.clone())),
                "name" => out.push(entry("x-codegen-request-body-name", k.pos, v.clone())),
                n if is_extension(n) => out.push((k.clone(), v.clone())),
                _ => {}
            }
        }
        out.push(entry("content", schema_pos, map(schema_pos, media)));
        map(p.pos, out)
    }

    /// A `requestBody` whose schema is an object of the form fields.
    fn form_request(&mut self, fields: &[&'a Node], consumes: &[String], pos: Pos) -> Node {
        let has_file = fields.iter().any(|f| f.str_at("type") == Some("file"));
        let media = if has_file || consumes.iter().any(|c| c.eq_ignore_ascii_case(MULTIPART)) {
            MULTIPART
        } else {
            URLENCODED
        };
        let mut properties = Vec::new();
        let mut required = Vec::new();
        let mut encoding = Vec::new();
        for field in fields {
            let Some(name) = field.get("name").filter(|n| n.as_str().is_some()) else {
                self.reporter.error(
                    field.pos,
                    "form parameter has no `name`",
                    Some("e.g. `- name: file` / `in: formData` / `type: file`".into()),
                );
                continue;
            };
            let name_text = name.as_str().unwrap_or_default();
            let mut schema = self.value_schema(field);
            if let (Some(d), Value::Map(entries)) = (field.get("description"), &mut schema.value) {
                entries.push(entry("description", d.pos, d.clone()));
            }
            if field.bool_at("required") == Some(true) {
                required.push(scalar(name_text, name.pos));
            }
            if let Some(cf) = field.get("collectionFormat") {
                if let Some((style, explode)) = cf.as_str().and_then(|f| style_for(f, "query")) {
                    let e = map(
                        cf.pos,
                        vec![
                            entry("style", cf.pos, scalar(style, cf.pos)),
                            entry("explode", cf.pos, scalar(&explode.to_string(), cf.pos)),
                        ],
                    );
                    encoding.push(entry(name_text, name.pos, e));
                }
            }
            properties.push(entry(name_text, name.pos, schema));
        }
        let any_required = !required.is_empty();
        let mut schema = vec![
            entry("type", pos, scalar("object", pos)),
            entry("properties", pos, map(pos, properties)),
        ];
        if any_required {
            schema.push(entry("required", pos, seq(pos, required)));
        }
        let mut media_entries = vec![entry("schema", pos, map(pos, schema))];
        if !encoding.is_empty() && media == URLENCODED {
            media_entries.push(entry("encoding", pos, map(pos, encoding)));
        }
        let mut out = Vec::new();
        if any_required {
            out.push(entry("required", pos, scalar("true", pos)));
        }
        out.push(entry(
            "content",
            pos,
            map(pos, vec![entry(media, pos, map(pos, media_entries))]),
        ));
        map(pos, out)
    }

    /// A path, query or header parameter (or, with `location` given, a
    /// response header): value keywords move into `schema`.
    fn parameter(&mut self, p: &'a Node, location: Option<&str>) -> Node {
        let Some(entries) = p.entries() else {
            return p.clone();
        };
        let location = location.or_else(|| p.str_at("in")).unwrap_or("query");
        let mut out = Vec::new();
        let mut schema_at = None;
        let mut has_format = false;
        for (k, v) in entries {
            match k.name.as_str() {
                name if SCHEMA_KEYS.contains(&name) => {
                    if schema_at.is_none() {
                        schema_at = Some((out.len(), k.pos));
                    }
                }
                "schema" => out.push((k.clone(), self.schema(v))),
                "collectionFormat" => {
                    has_format = true;
                    match v.as_str().and_then(|f| style_for(f, location)) {
                        Some((style, explode)) => {
                            out.push(entry("style", k.pos, scalar(style, v.pos)));
                            out.push(entry("explode", k.pos, scalar(&explode.to_string(), v.pos)));
                        }
                        // `tsv` has no 3.0 equivalent; kept for readers that know it.
                        None => out.push(entry("x-collectionFormat", k.pos, v.clone())),
                    }
                }
                "x-example" => out.push(entry("example", k.pos, v.clone())),
                _ => out.push((k.clone(), v.clone())),
            }
        }
        if let Some((at, pos)) = schema_at {
            let schema = self.value_schema(p);
            let is_array = p.str_at("type") == Some("array");
            out.insert(at, entry("schema", pos, schema));
            // An array without `collectionFormat` is `csv` in 2.0, not 3.0's default.
            if is_array && !has_format {
                if let Some((style, explode)) = style_for("csv", location) {
                    out.push(entry("style", pos, scalar(style, pos)));
                    out.push(entry("explode", pos, scalar(&explode.to_string(), pos)));
                }
            }
        }
        map(p.pos, out)
    }

    /// The schema made of a parameter's, header's or form field's value keywords.
    fn value_schema(&mut self, p: &'a Node) -> Node {
        let entries = p.entries().unwrap_or(&[]);
        let picked: Vec<(Key, Node)> = entries
            .iter()
            .filter(|(k, _)| SCHEMA_KEYS.contains(&k.name.as_str()))
            .cloned()
            .collect();
        let pos = picked.first().map_or(p.pos, |(k, _)| k.pos);
        self.schema_of(&map(pos, picked), true)
    }

    // ---- responses --------------------------------------------------------

    fn responses(&mut self, responses: &'a Node, produces: &[String]) -> Node {
        let Some(entries) = responses.entries() else {
            return responses.clone();
        };
        let out = entries
            .iter()
            .map(|(k, r)| {
                if is_extension(&k.name) {
                    (k.clone(), r.clone())
                } else {
                    (k.clone(), self.response(r, produces))
                }
            })
            .collect();
        map(responses.pos, out)
    }

    /// `schema` → `content` (one entry per media type produced, with the
    /// 2.0 `examples` of that type), and headers upgraded like parameters.
    fn response(&mut self, r: &'a Node, produces: &[String]) -> Node {
        let Some(entries) = r.entries() else {
            return r.clone();
        };
        if r.get("$ref").is_some() {
            return r.clone();
        }
        let examples = r.get("examples").and_then(Node::entries).unwrap_or(&[]);
        let mut out = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "schema" => {
                    let schema = self.schema(v);
                    let content = produces
                        .iter()
                        .map(|m| {
                            let mut media = vec![entry("schema", k.pos, schema.clone())];
                            if let Some((ek, ev)) = examples.iter().find(|(ek, _)| &ek.name == m) {
                                media.push(entry("example", ek.pos, ev.clone()));
                            }
                            entry(m, k.pos, map(k.pos, media))
                        })
                        .collect();
                    out.push(entry("content", k.pos, map(v.pos, content)));
                }
                // Kept in `content` above where a schema says what they are.
                "examples" => {}
                "headers" => match v.entries() {
                    Some(headers) => {
                        let upgraded = headers
                            .iter()
                            .map(|(hk, h)| {
                                if is_extension(&hk.name) {
                                    (hk.clone(), h.clone())
                                } else {
                                    (hk.clone(), self.parameter(h, Some("header")))
                                }
                            })
                            .collect();
                        out.push((k.clone(), map(v.pos, upgraded)));
                    }
                    None => out.push((k.clone(), v.clone())),
                },
                _ => out.push((k.clone(), v.clone())),
            }
        }
        map(r.pos, out)
    }

    // ---- schemas ----------------------------------------------------------

    fn schema(&mut self, s: &'a Node) -> Node {
        self.schema_of(s, false)
    }

    /// Upgrades a schema. `simple` is for the value of a parameter, header or
    /// form field, whose nested `items` may carry a `collectionFormat` that
    /// 3.0 cannot say (dropped).
    fn schema_of(&mut self, s: &Node, simple: bool) -> Node {
        let Some(entries) = s.entries() else {
            return s.clone();
        };
        let is_file = s.str_at("type") == Some("file");
        let has_nullable = s.get("nullable").is_some();
        let mut out = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "type" if is_file => {
                    out.push((k.clone(), scalar("string", v.pos)));
                    out.push(entry("format", k.pos, scalar("binary", v.pos)));
                }
                "format" if is_file => {}
                "x-nullable" => {
                    if !has_nullable {
                        out.push(entry("nullable", k.pos, v.clone()));
                    }
                }
                "discriminator" => match v.as_str() {
                    Some(_) => out.push((
                        k.clone(),
                        map(v.pos, vec![entry("propertyName", v.pos, v.clone())]),
                    )),
                    None => out.push((k.clone(), v.clone())),
                },
                "collectionFormat" if simple => {}
                "properties" | "patternProperties" => match v.entries() {
                    Some(props) => {
                        let upgraded = props
                            .iter()
                            .map(|(pk, pv)| (pk.clone(), self.schema_of(pv, false)))
                            .collect();
                        out.push((k.clone(), map(v.pos, upgraded)));
                    }
                    None => out.push((k.clone(), v.clone())),
                },
                "items" => match &v.value {
                    Value::Seq(items) => {
                        let upgraded = items.iter().map(|i| self.schema_of(i, simple)).collect();
                        out.push((k.clone(), seq(v.pos, upgraded)));
                    }
                    _ => out.push((k.clone(), self.schema_of(v, simple))),
                },
                "additionalProperties" | "not" => out.push((k.clone(), self.schema_of(v, false))),
                "allOf" | "anyOf" | "oneOf" => match v.items() {
                    Some(items) => {
                        let upgraded = items.iter().map(|i| self.schema_of(i, false)).collect();
                        out.push((k.clone(), seq(v.pos, upgraded)));
                    }
                    None => out.push((k.clone(), v.clone())),
                },
                _ => out.push((k.clone(), v.clone())),
            }
        }
        map(s.pos, out)
    }

    // ---- security ---------------------------------------------------------

    fn security_scheme(&mut self, s: &'a Node) -> Node {
        let Some(entries) = s.entries() else {
            return s.clone();
        };
        match s.str_at("type") {
            Some("basic") => {
                let mut out = Vec::new();
                for (k, v) in entries {
                    if k.name == "type" {
                        out.push((k.clone(), scalar("http", v.pos)));
                        out.push(entry("scheme", k.pos, scalar("basic", v.pos)));
                    } else {
                        out.push((k.clone(), v.clone()));
                    }
                }
                map(s.pos, out)
            }
            Some("oauth2") => self.oauth2(s, entries),
            _ => s.clone(),
        }
    }

    fn oauth2(&mut self, s: &'a Node, entries: &'a [(Key, Node)]) -> Node {
        let flow = s.get("flow");
        let (name, needs): (&str, &[&str]) = match flow.and_then(Node::as_str) {
            Some("application") => ("clientCredentials", &["tokenUrl"]),
            Some("password") => ("password", &["tokenUrl"]),
            Some("implicit") => ("implicit", &["authorizationUrl"]),
            Some("accessCode") => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
            other => {
                self.reporter.error(
                    flow.map_or(s.pos, |f| f.pos),
                    match other {
                        Some(f) => format!("unknown OAuth2 flow `{f}`"),
                        None => "OAuth2 security definition has no `flow`".to_string(),
                    },
                    Some("Swagger 2.0 flows are `application` (client credentials), `password`, `implicit` and `accessCode`".into()),
                );
                return s.clone();
            }
        };
        for needed in needs {
            if s.str_at(needed).is_none() {
                self.reporter.error(
                    flow.map_or(s.pos, |f| f.pos),
                    format!(
                        "the OAuth2 `{}` flow needs `{needed}`",
                        flow.and_then(Node::as_str).unwrap_or("")
                    ),
                    Some(format!("add `{needed}: https://…` next to `flow:`")),
                );
            }
        }
        let flow_pos = flow.map_or(s.pos, |f| f.pos);
        let flow_key_pos = entries
            .iter()
            .find(|(k, _)| k.name == "flow")
            .map_or(s.pos, |(k, _)| k.pos);
        let mut flow_entries = Vec::new();
        let mut out = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "authorizationUrl" | "tokenUrl" => flow_entries.push((k.clone(), v.clone())),
                "scopes" => flow_entries.push((k.clone(), v.clone())),
                "flow" => {}
                _ => out.push((k.clone(), v.clone())),
            }
        }
        if s.get("scopes").is_none() {
            flow_entries.push(entry("scopes", flow_pos, map(flow_pos, Vec::new())));
        }
        let flows = map(
            flow_pos,
            vec![entry(name, flow_pos, map(flow_pos, flow_entries))],
        );
        out.push(entry("flows", flow_key_pos, flows));
        map(s.pos, out)
    }

    // ---- references -------------------------------------------------------

    /// Rewrites every 2.0 `$ref` in the upgraded tree to its 3.0 target. A
    /// reference to nothing is reported (in 2.0 terms) and removed, so that
    /// it is reported once. `names` says this map's keys are names, not
    /// keywords.
    fn fix_refs(&mut self, node: &mut Node, names: bool) {
        match &mut node.value {
            Value::Map(entries) => {
                let old = std::mem::take(entries);
                for (k, mut v) in old {
                    if !names && k.name == "$ref" {
                        if let Some(fixed) = self.fixed_ref(&v) {
                            entries.push((k, fixed));
                        }
                        continue;
                    }
                    let skip =
                        !names && matches!(k.name.as_str(), "example" | "examples" | "x-example");
                    if !skip {
                        let child_names = !names && NAME_MAPS.contains(&k.name.as_str());
                        self.fix_refs(&mut v, child_names);
                    }
                    entries.push((k, v));
                }
            }
            Value::Seq(items) => {
                for item in items {
                    self.fix_refs(item, false);
                }
            }
            Value::Scalar(_) | Value::Null => {}
        }
    }

    /// The 3.0 form of a `$ref` value, or `None` when it points at nothing.
    /// Non-strings, external references and references already in the 3.0
    /// form are left for `resolve` to judge.
    fn fixed_ref(&mut self, v: &Node) -> Option<Node> {
        let Some(reference) = v.as_str() else {
            return Some(v.clone());
        };
        if !reference.starts_with('#') || reference.starts_with("#/components/") {
            return Some(v.clone());
        }
        if let Err(RefError::Missing(_)) = self.doc.pointer(reference) {
            self.missing_ref(reference, v.pos);
            return None;
        }
        Some(scalar(&self.map_ref(reference), v.pos))
    }

    fn map_ref(&self, reference: &str) -> String {
        if let Some(rest) = reference.strip_prefix("#/definitions/") {
            return format!("#/components/schemas/{rest}");
        }
        if let Some(rest) = reference.strip_prefix("#/responses/") {
            return format!("#/components/responses/{rest}");
        }
        if let Some(rest) = reference.strip_prefix("#/securityDefinitions/") {
            return format!("#/components/securitySchemes/{rest}");
        }
        if let Some(rest) = reference.strip_prefix("#/parameters/") {
            let name = rest.split('/').next().unwrap_or(rest);
            let is_body = self
                .follow(&format!("#/parameters/{name}"))
                .is_ok_and(|p| p.str_at("in") == Some("body"));
            let section = if is_body {
                "requestBodies"
            } else {
                "parameters"
            };
            return format!("#/components/{section}/{rest}");
        }
        reference.to_string()
    }

    fn missing_ref(&mut self, reference: &str, pos: Pos) {
        let hint = match reference.rsplit_once('/') {
            None => "a local reference looks like `#/definitions/Name`".to_string(),
            Some((parent, last)) => {
                let siblings = self.doc.pointer(parent).ok().and_then(Node::entries);
                let names = || siblings.unwrap_or(&[]).iter().map(|(k, _)| k.name.as_str());
                match closest(last, names()) {
                    Some(name) => format!("did you mean `{parent}/{name}`?"),
                    None if siblings.is_some_and(|s| !s.is_empty()) => format!(
                        "`{parent}` has: {}",
                        names().take(8).collect::<Vec<_>>().join(", ")
                    ),
                    None => format!("define `{last}` under `{parent}`"),
                }
            }
        };
        self.reporter.error(
            pos,
            format!("`$ref` target `{reference}` does not exist"),
            Some(hint),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load;

    fn upgraded(text: &str) -> (Node, Vec<String>) {
        let mut r = Reporter::new("t.yaml", text);
        let root = load("t.yaml", text, &mut r).expect("loads");
        assert!(is_swagger2(&root));
        let out = upgrade(&root, &mut r);
        let messages = r.finish().0.into_iter().map(|d| d.message).collect();
        (out, messages)
    }

    fn at<'n>(node: &'n Node, path: &[&str]) -> &'n Node {
        path.iter().fold(node, |n, k| {
            n.get(k)
                .unwrap_or_else(|| panic!("no `{k}` in {n:?} (path {path:?})"))
        })
    }

    #[test]
    fn servers_from_host_base_path_and_schemes() {
        let (doc, errors) = upgraded(
            "swagger: '2.0'\ninfo: {title: T, version: '1'}\nhost: api.example.com\nbasePath: /v1/\nschemes: [http, https]\npaths: {}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(doc.str_at("openapi"), Some("3.0.3"));
        let urls: Vec<&str> = doc
            .get("servers")
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(|s| s.str_at("url"))
            .collect();
        assert_eq!(
            urls,
            ["http://api.example.com/v1", "https://api.example.com/v1"]
        );
    }

    #[test]
    fn relative_server_without_host_and_none_without_either() {
        let (doc, _) = upgraded("swagger: '2.0'\nbasePath: /api\npaths: {}\n");
        let server = &doc.get("servers").and_then(Node::items).expect("servers")[0];
        assert_eq!(server.str_at("url"), Some("/api"));
        let (doc, _) = upgraded("swagger: '2.0'\npaths: {}\n");
        assert!(doc.get("servers").is_none());
    }

    #[test]
    fn parameters_move_keywords_into_schema_and_collection_format_into_style() {
        let (doc, errors) = upgraded(
            "swagger: '2.0'\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}\n        - {name: ids, in: query, type: array, items: {type: integer}}\n        - {name: X-N, in: header, type: integer, minimum: 1}\n      responses: {'200': {description: ok}}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let params = at(&doc, &["paths", "/a", "get", "parameters"])
            .items()
            .expect("list");
        assert_eq!(
            at(&params[0], &["schema", "items"]).str_at("type"),
            Some("string")
        );
        assert_eq!(params[0].str_at("style"), Some("form"));
        assert_eq!(params[0].str_at("explode"), Some("true"));
        assert!(params[0].get("type").is_none());
        assert_eq!(
            params[1].str_at("explode"),
            Some("false"),
            "2.0 arrays default to csv"
        );
        assert_eq!(at(&params[2], &["schema"]).str_at("minimum"), Some("1"));
    }

    #[test]
    fn schemas_nullable_file_and_discriminator() {
        let (doc, _) = upgraded(
            "swagger: '2.0'\npaths: {}\ndefinitions:\n  A:\n    discriminator: kind\n    properties:\n      kind: {type: string}\n      n: {type: string, x-nullable: true}\n      f: {type: file}\n      b: {$ref: '#/definitions/A'}\n",
        );
        let a = at(&doc, &["components", "schemas", "A"]);
        assert_eq!(
            at(a, &["discriminator"]).str_at("propertyName"),
            Some("kind")
        );
        assert_eq!(at(a, &["properties", "n"]).str_at("nullable"), Some("true"));
        assert_eq!(at(a, &["properties", "f"]).str_at("format"), Some("binary"));
        assert_eq!(
            at(a, &["properties", "b"]).str_at("$ref"),
            Some("#/components/schemas/A")
        );
    }

    #[test]
    fn oauth2_flows_and_basic() {
        let (doc, errors) = upgraded(
            "swagger: '2.0'\npaths: {}\nsecurityDefinitions:\n  cc: {type: oauth2, flow: application, tokenUrl: 'https://t', scopes: {a: b}}\n  code: {type: oauth2, flow: accessCode, authorizationUrl: 'https://a', tokenUrl: 'https://t'}\n  basic: {type: basic}\n  bad: {type: oauth2, flow: magic}\n",
        );
        assert_eq!(errors, ["unknown OAuth2 flow `magic`"]);
        let schemes = at(&doc, &["components", "securitySchemes"]);
        assert_eq!(
            at(schemes, &["cc", "flows", "clientCredentials"]).str_at("tokenUrl"),
            Some("https://t")
        );
        let code = at(schemes, &["code", "flows", "authorizationCode"]);
        assert!(code.get("scopes").is_some_and(Node::is_map));
        assert_eq!(at(schemes, &["basic"]).str_at("scheme"), Some("basic"));
    }

    #[test]
    fn odd_input_is_copied_or_reported_without_panicking() {
        for text in [
            "swagger: '2.0'\npaths: 5\n",
            "swagger: '2.0'\npaths: {/a: 5, /b: {get: 5}, /c: {parameters: 5, get: {parameters: [5, {$ref: 7}], responses: 5}}}\n",
            "swagger: '2.0'\ndefinitions: [1]\nparameters: 2\nresponses: {a: 1}\nsecurityDefinitions: {a: 1, b: {type: oauth2}}\n",
            "swagger: '2.0'\npaths: {/a: {post: {parameters: [{in: formData}, {in: body}, {in: body}], responses: {}}}}\n",
            "swagger: '2.0'\nhost: {a: 1}\nbasePath: [1]\nschemes: 3\nconsumes: {}\npaths: {}\n",
        ] {
            let _ = upgraded(text);
        }
    }
}
