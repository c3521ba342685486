//! `slides-index SLIDES_DIR OUT.html`: writes the index page of the decks'
//! HTML export and lists each deck with its slide count (`make slides-html`).
//!
//! Where a deck's export already sits next to the index (`NAME.html`), its
//! count is compared with the slides presenterm really made, and a
//! difference fails: the index must not count slides its own way.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, out] = args.as_slice() else {
        eprintln!("usage: slides-index SLIDES_DIR OUT.html");
        return ExitCode::from(2);
    };
    let decks = match course::slides::read_decks(Path::new(dir)) {
        Ok(decks) => decks,
        Err(e) => {
            eprintln!("slides-index: reading the decks in {dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(out, course::slides::index_html(&decks)) {
        eprintln!("slides-index: writing {out}: {e}");
        return ExitCode::FAILURE;
    }
    let mut differ = 0;
    for deck in &decks {
        println!("  {} ({} slides)", deck.heading(), deck.slides);
        let export = Path::new(out).with_file_name(format!("{}.html", deck.name));
        let Ok(html) = std::fs::read_to_string(&export) else {
            continue;
        };
        match course::slides::exported_slide_count(&html) {
            Some(made) if made == deck.slides => {}
            made => {
                eprintln!(
                    "slides-index: {} counts {} slides, but presenterm's export {} has {}",
                    deck.name,
                    deck.slides,
                    export.display(),
                    made.map_or("no slide footer".to_owned(), |n| n.to_string())
                );
                differ += 1;
            }
        }
    }
    println!("slides-index: {} decks listed in {out}", decks.len());
    if differ > 0 {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
