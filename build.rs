//! Generates one client module per spec in `specs/` into `OUT_DIR`, for the
//! clients whose cargo feature is on (`tigo-billing` → module
//! `tigo_billing`). Thin by design: all logic lives in `pasarela_gen::Builder`.

fn main() {
    let enabled = |module: &str| {
        std::env::var_os(format!("CARGO_FEATURE_{}", module.to_ascii_uppercase())).is_some()
    };
    if let Err(e) = pasarela_gen::Builder::new()
        .spec_dir("specs")
        .modules(enabled)
        .compile()
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
