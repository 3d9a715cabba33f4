//! CSV row types implemented by hand, the way generated code implements
//! them, with example data in the shape of a real collection file.
#![allow(dead_code)]

use pasarela_runtime::csv::{self, CsvFieldError, CsvFormat, CsvRow, TextEncoding};
use pasarela_runtime::Decimal;

/// A ten-column row whose two trailing columns may be left out together.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    pub id: String,
    pub name: String,
    pub document: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub quantity: Option<i64>,
    pub concept: String,
    pub amount: Decimal,
    pub due: Option<String>,
    pub reference: Option<String>,
}

impl CsvRow for Charge {
    const COLUMNS: &'static [&'static str] = &[
        "Id",
        "NombreCliente",
        "Documento",
        "Telefono",
        "Email",
        "Cantidad",
        "Concepto",
        "Importe",
        "Vencimiento",
        "Referencia",
    ];
    const OMITTABLE: &'static [usize] = &[8, 9];

    fn to_fields(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.document.clone(),
            self.phone.clone().unwrap_or_default(),
            self.email.clone().unwrap_or_default(),
            self.quantity.map(|q| q.to_string()).unwrap_or_default(),
            self.concept.clone(),
            self.amount.to_string(),
            self.due.clone().unwrap_or_default(),
            self.reference.clone().unwrap_or_default(),
        ]
    }

    fn from_fields(fields: &[std::borrow::Cow<'_, str>]) -> Result<Self, CsvFieldError> {
        Ok(Charge {
            id: csv::field_required(fields, 0, "Id")?,
            name: csv::field_required(fields, 1, "NombreCliente")?,
            document: csv::field_required(fields, 2, "Documento")?,
            phone: csv::field_text(fields, 3),
            email: csv::field_text(fields, 4),
            quantity: csv::field_parse(fields, 5, "Cantidad")?,
            concept: csv::field_required(fields, 6, "Concepto")?,
            amount: csv::field_parse_required(fields, 7, "Importe")?,
            due: csv::field_text(fields, 8),
            reference: csv::field_text(fields, 9),
        })
    }
}

/// The example row of a typical collection file.
pub fn example_charge() -> Charge {
    Charge {
        id: "176".into(),
        name: "Fabian Barros".into(),
        document: "1137465298".into(),
        phone: Some("45674567".into()),
        email: Some("fabianbarros@x.com.ar".into()),
        quantity: Some(5),
        concept: "Colonia de Vacaciones".into(),
        amount: "1322.10".parse().unwrap(),
        due: None,
        reference: None,
    }
}

pub const EXAMPLE_LINE: &str =
    "176;Fabian Barros;1137465298;45674567;fabianbarros@x.com.ar;5;Colonia de Vacaciones;1322.10";

/// A two-column row of names.
#[derive(Debug, Clone, PartialEq)]
pub struct Names {
    pub first: String,
    pub last: Option<String>,
}

impl CsvRow for Names {
    const COLUMNS: &'static [&'static str] = &["Nombre", "Apellido"];
    const OMITTABLE: &'static [usize] = &[];

    fn to_fields(&self) -> Vec<String> {
        vec![self.first.clone(), self.last.clone().unwrap_or_default()]
    }

    fn from_fields(fields: &[std::borrow::Cow<'_, str>]) -> Result<Self, CsvFieldError> {
        Ok(Names {
            first: csv::field_required(fields, 0, "Nombre")?,
            last: csv::field_text(fields, 1),
        })
    }
}

pub fn names(first: &str, last: &str) -> Names {
    Names {
        first: first.into(),
        last: Some(last.into()),
    }
}

/// `;`, no header, UTF-8 then Windows-1252.
pub static SEMICOLON: CsvFormat = CsvFormat {
    separator: b';',
    header: false,
    encodings: &[TextEncoding::Utf8, TextEncoding::Windows1252],
    file_name: "cobros.csv",
};

/// `;`, with a header line, UTF-8 then Windows-1252.
pub static WITH_HEADER: CsvFormat = CsvFormat {
    separator: b';',
    header: true,
    encodings: &[TextEncoding::Utf8, TextEncoding::Windows1252],
    file_name: "cobros.csv",
};

/// `;`, no header, written (and read first) as Windows-1252.
pub static CP1252: CsvFormat = CsvFormat {
    separator: b';',
    header: false,
    encodings: &[TextEncoding::Windows1252],
    file_name: "cobros.csv",
};

/// `;`, no header, UTF-8 only.
pub static UTF8_ONLY: CsvFormat = CsvFormat {
    separator: b';',
    header: false,
    encodings: &[TextEncoding::Utf8],
    file_name: "cobros.csv",
};
