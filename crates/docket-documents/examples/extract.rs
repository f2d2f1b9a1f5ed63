//! Prints what Docket extracts from files: `cargo run -p docket-documents --example extract FILE...`
//! (a developer's tool for looking at the corpus).

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("read the file");
        match docket_documents::extract(&bytes, Some(&path), &docket_documents::Limits::default()) {
            Ok(got) => {
                println!("== {path} ({:?}, title {:?})", got.file_type, got.title);
                print!("{}", got.markdown);
                for c in &got.comments {
                    println!(
                        "-- comment by {:?} on {:?}: {}",
                        c.author, c.anchored_text, c.text
                    );
                }
                for i in &got.images {
                    println!(
                        "-- image {} {} ({} bytes) alt {:?}",
                        i.name,
                        i.mime,
                        i.bytes.len(),
                        i.alt
                    );
                }
                println!("-- metadata {:?}", got.metadata);
            }
            Err(e) => println!("== {path}: {e:?}\n{}", e.user_message()),
        }
    }
}
