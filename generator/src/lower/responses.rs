//! Responses: the success type and decoding, and the error variants.

use crate::extensions::Ext;
use crate::ident::{self, Namer};
use crate::ir::*;
use crate::load::Node;

use super::body::{encoding_for, pick_media};
use super::Lowerer;

impl<'d> Lowerer<'d, '_, '_> {
    pub(super) fn responses(
        &mut self,
        op: &'d Node,
        builder: &str,
    ) -> (Success, Vec<ErrorResponse>) {
        let mut success = Success {
            text_result: None,
            download: false,
            envelope: None,
            ty: None,
            decoding: ResponseDecoding::None,
            error_code_field: None,
            by_status: Vec::new(),
        };
        // 2xx responses after the first: (status, where, body).
        let mut more_success: Vec<(StatusMatch, crate::diagnostics::Pos, Option<SuccessBody>)> =
            Vec::new();
        let mut first_success = None;
        let mut errors = Vec::new();
        let Some(responses) = op.get("responses").and_then(Node::entries) else {
            // Any 2xx is success, with no value; other statuses are errors.
            self.reporter.repairable(
                crate::diagnostics::Repair::NoResponses,
                op.pos,
                "operation has no `responses`",
                "add at least `responses: {\"200\": {description: OK}}`",
                "treat any 2xx as success with no body (other statuses are unexpected-status errors)",
            );
            return (success, errors);
        };
        let mut found_success = false;
        let mut variants = Namer::new();
        for (code, raw) in responses {
            let Some(response) = self.deref(raw) else {
                continue;
            };
            let matcher = match parse_status(&code.name) {
                Some(m) => m,
                None => {
                    self.err(
                        code.pos,
                        format!("`{}` is not a status code", code.name),
                        Some(
                            "use a code such as `200`, a range such as `4XX`, or `default`".into(),
                        ),
                    );
                    continue;
                }
            };
            let media = response
                .get("content")
                .and_then(Node::entries)
                .and_then(pick_media);
            let is_success = matches!(
                matcher,
                StatusMatch::Exact(200..=299) | StatusMatch::Range(200, _)
            );
            if is_success {
                if found_success {
                    let body = self.plain_success_body(response, media, builder, &code.name);
                    more_success.push((matcher, code.pos, body));
                    continue;
                }
                found_success = true;
                first_success = Some(matcher);
                if let Some((media, schema)) = media {
                    let (decoding, ty) = match encoding_for(&media) {
                        BodyEncoding::Json => (
                            ResponseDecoding::Json,
                            schema.map_or(TypeRef::Json, |s| {
                                self.schema_type(s, &format!("{builder}Response"))
                            }),
                        ),
                        BodyEncoding::Text => {
                            match (Ext::TextResult.on(response), schema) {
                                // With a grammar, the schema types the parsed text (a struct of
                                // captures, a secret, CSV rows); without one, text is a String.
                                (Some(_), Some(s)) => (
                                    ResponseDecoding::Text,
                                    self.schema_type(s, &format!("{builder}Response")),
                                ),
                                (None, Some(s))
                                    if self
                                        .rust_schema(s)
                                        .is_some_and(|t| Ext::Csv.on(t).is_some()) =>
                                {
                                    (
                                        ResponseDecoding::Text,
                                        self.schema_type(s, &format!("{builder}Response")),
                                    )
                                }
                                _ => (ResponseDecoding::Text, TypeRef::String),
                            }
                        }
                        BodyEncoding::Form | BodyEncoding::Multipart | BodyEncoding::Bytes => {
                            (ResponseDecoding::Bytes, TypeRef::Bytes)
                        }
                    };
                    success.error_code_field = self.error_code_field(&ty);
                    let (ty, envelope) = match Ext::Envelope.on(response) {
                        Some(ext) => match self.envelope(ext, schema) {
                            Some((env, data_ty)) => (data_ty, Some(env)),
                            None => (ty, None),
                        },
                        None => (ty, None),
                    };
                    success.envelope = envelope;
                    success.text_result = response
                        .get(Ext::TextResult.name())
                        .map(|ext| self.text_result(ext));
                    success.download = response
                        .get("headers")
                        .and_then(Node::entries)
                        .unwrap_or(&[])
                        .iter()
                        .any(|(k, _)| k.name.eq_ignore_ascii_case("content-disposition"));
                    success.ty = Some(ty);
                    success.decoding = decoding;
                }
                continue;
            }
            let ty = match media {
                Some((m, Some(schema))) if encoding_for(&m) == BodyEncoding::Json => Some(
                    self.schema_type(schema, &format!("{builder}{}", ident::pascal(&code.name))),
                ),
                _ => None,
            };
            let variant = variants.unique(status_variant(matcher));
            errors.push(ErrorResponse {
                pos: code.pos,
                matcher,
                variant,
                description: response
                    .str_at("description")
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                ty,
            });
        }
        // Exact codes before ranges before `default` (the specification's
        // precedence, and match arms that are all reachable); `4XX` and
        // `4xx` name the same statuses: the first is kept.
        errors.sort_by_key(|e| e.matcher);
        let mut kept: Vec<ErrorResponse> = Vec::with_capacity(errors.len());
        for e in errors {
            match kept.iter().find(|k| k.matcher == e.matcher) {
                Some(first) => self.reporter.warning(
                    e.pos,
                    "this response names the same statuses as an earlier one",
                    Some(format!(
                        "the one at line {} is used; remove one of them",
                        first.pos.line
                    )),
                ),
                None => kept.push(e),
            }
        }
        let errors = kept;
        if let Some(first) = first_success {
            self.several_successes(&mut success, first, more_success, builder);
        }
        (success, errors)
    }

    /// The body of a further 2xx response, when it is plain: JSON (typed),
    /// text, bytes, or none. `Some(Err(..))` names what makes it not plain.
    fn plain_success_body(
        &mut self,
        response: &'d Node,
        media: Option<(String, Option<&'d Node>)>,
        builder: &str,
        code: &str,
    ) -> Option<SuccessBody> {
        if Ext::Envelope.on(response).is_some() || Ext::TextResult.on(response).is_some() {
            return Some(Err("an x-pasarela extension".into()));
        }
        let (media, schema) = media?;
        let csv = schema
            .and_then(|s| self.rust_schema(s))
            .is_some_and(|t| Ext::Csv.on(t).is_some());
        Some(match encoding_for(&media) {
            BodyEncoding::Json => {
                let hint = format!("{builder}Response{}", ident::pascal(code));
                let ty = schema.map_or(TypeRef::Json, |s| self.schema_type(s, &hint));
                Ok((ResponseDecoding::Json, ty))
            }
            BodyEncoding::Text if csv => Err("a CSV body".into()),
            BodyEncoding::Text => Ok((ResponseDecoding::Text, TypeRef::String)),
            _ => Ok((ResponseDecoding::Bytes, TypeRef::Bytes)),
        })
    }

    /// Several 2xx responses: the same shape everywhere is one type; plain
    /// bodies (JSON, text, binary, none) of different shapes become an enum
    /// with a variant per status; anything else cannot be expressed and is
    /// an error (never a silent drop).
    fn several_successes(
        &mut self,
        success: &mut Success,
        first: StatusMatch,
        more: Vec<(StatusMatch, crate::diagnostics::Pos, Option<SuccessBody>)>,
        builder: &str,
    ) {
        let Some((_, first_pos, _)) = more.first() else {
            return;
        };
        let first_pos = *first_pos;
        let first_body: Option<SuccessBody> = match (&success.ty, success.decoding) {
            (_, ResponseDecoding::None) | (None, _) => None,
            (Some(TypeRef::Csv(_)), _) => Some(Err("a CSV body".into())),
            (Some(ty), decoding) => Some(Ok((decoding, ty.clone()))),
        };
        if more.iter().all(|(_, _, b)| *b == first_body) {
            return;
        }
        let read_specially = success.envelope.is_some()
            || success.text_result.is_some()
            || success.download
            || success.error_code_field.is_some();
        let problem = match &first_body {
            Some(Err(what)) => Some((first_pos, format!("the first with {what}"))),
            _ if read_specially => Some((
                first_pos,
                "the first read through an extension, a download or an error code".to_string(),
            )),
            _ => more.iter().find_map(|(_, pos, body)| match body {
                Some(Err(what)) => Some((*pos, format!("one with {what}"))),
                _ => None,
            }),
        };
        if let Some((pos, what)) = problem {
            self.err(
                pos,
                format!("this operation has several 2xx responses of different shapes, {what}"),
                Some("only plain 2xx responses (JSON, text, binary or empty) can be told apart by status; give them one schema, or declare one 2xx response".into()),
            );
            return;
        }
        let mut variants = Namer::new();
        let mut members = Vec::new();
        let mut by_status = Vec::new();
        for (matcher, body) in
            std::iter::once((first, first_body)).chain(more.into_iter().map(|(m, _, b)| (m, b)))
        {
            let variant = variants.unique(status_variant(matcher));
            let (decoding, ty) = match body.and_then(Result::ok) {
                Some((decoding, ty)) => (decoding, Some(ty)),
                None => (ResponseDecoding::None, None),
            };
            by_status.push((matcher, variant.clone(), decoding));
            members.push((variant, ty));
        }
        by_status.sort_by_key(|(m, _, _)| *m);
        let name = self
            .type_namer
            .unique(ident::pascal(&format!("{builder}Success")));
        self.types.push(TypeDef {
            pos: first_pos,
            name: name.clone(),
            doc: Some(format!("What `{builder}` answers, by status.")),
            kind: TypeKind::Responses(members),
            inline: true,
        });
        success.ty = Some(TypeRef::Named(name));
        success.decoding = ResponseDecoding::Json;
        success.by_status = by_status;
    }

    fn error_code_field(&self, ty: &TypeRef) -> Option<(String, TypeRef, bool)> {
        let TypeRef::Named(name) = ty else {
            return None;
        };
        let def = self.types.iter().find(|t| &t.name == name)?;
        let TypeKind::Struct(fields) = &def.kind else {
            return None;
        };
        fields
            .iter()
            .find(|f| f.error_code)
            .map(|f| (f.rust_name.clone(), f.ty.clone(), f.required))
    }
}

/// A plain 2xx body (how it is decoded, its type), or what keeps it from
/// being one.
type SuccessBody = Result<(ResponseDecoding, TypeRef), String>;

/// The variant name for a status: its reason phrase (`NotFound`), else
/// `Status418`, `Status4xx` or `Other`.
fn status_variant(matcher: StatusMatch) -> String {
    match matcher {
        StatusMatch::Exact(s) => http::StatusCode::from_u16(s)
            .ok()
            .and_then(|c| c.canonical_reason())
            .map(ident::pascal)
            .unwrap_or_else(|| format!("Status{s}")),
        StatusMatch::Range(lo, _) => format!("Status{}xx", lo / 100),
        StatusMatch::Default => "Other".to_string(),
    }
}

fn parse_status(code: &str) -> Option<StatusMatch> {
    if code == "default" {
        return Some(StatusMatch::Default);
    }
    if let Ok(n) = code.parse::<u16>() {
        return (100..=599).contains(&n).then_some(StatusMatch::Exact(n));
    }
    let upper = code.to_ascii_uppercase();
    match upper.as_bytes() {
        [d @ b'1'..=b'5', b'X', b'X'] => {
            let lo = u16::from(d - b'0') * 100;
            Some(StatusMatch::Range(lo, lo + 99))
        }
        _ => None,
    }
}
