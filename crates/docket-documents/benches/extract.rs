//! Extraction speed of the ~700-word blog fixture, as .docx and as .odt (std only).
//!
//! `CARGO_TARGET_DIR=/tmp/target-documents cargo bench -p docket-documents --bench extract`

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use docket_documents::{Limits, extract};

fn bench(label: &str, file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let limits = Limits::default();
    let run = || {
        let got = extract(black_box(&bytes), Some(file), &limits).expect("fixture extracts");
        black_box(got.markdown.len())
    };
    // Warm up, then run for at least a second and at least 200 documents.
    for _ in 0..20 {
        run();
    }
    let start = Instant::now();
    let mut documents = 0u32;
    while documents < 200 || start.elapsed() < Duration::from_secs(1) {
        run();
        documents += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let per_document_ms = elapsed * 1000.0 / f64::from(documents);
    println!(
        "{label} extraction: {per_document_ms:.3} ms per document ({:.0} documents/s)",
        f64::from(documents) / elapsed
    );
}

fn main() {
    bench("docx", "blog.docx");
    bench("odt", "blog.odt");
}
